//! Waiting on several reads at once: each KV read is a round trip from the edge, and a request that needs two keys
//! should wait for one.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

/// The outputs of three futures, of any types, polled together so that their reads start at once.
pub async fn join3<A: Future, B: Future, C: Future>(a: A, b: B, c: C) -> (A::Output, B::Output, C::Output) {
    let (mut a, mut b, mut c) = (pin!(a), pin!(b), pin!(c));
    let (mut a_out, mut b_out, mut c_out) = (None, None, None);
    poll_fn(|cx| {
        if a_out.is_none() {
            a_out = ready(a.as_mut().poll(cx));
        }
        if b_out.is_none() {
            b_out = ready(b.as_mut().poll(cx));
        }
        if c_out.is_none() {
            c_out = ready(c.as_mut().poll(cx));
        }
        match (a_out.take(), b_out.take(), c_out.take()) {
            (Some(a), Some(b), Some(c)) => Poll::Ready((a, b, c)),
            waiting => {
                (a_out, b_out, c_out) = waiting;
                Poll::Pending
            }
        }
    })
    .await
}

fn ready<T>(poll: Poll<T>) -> Option<T> {
    match poll {
        Poll::Ready(value) => Some(value),
        Poll::Pending => None,
    }
}

/// The outputs of `futures`, in order, polled together so that their reads start at once.
pub async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    poll_fn(|cx| {
        let mut waiting = false;
        for (future, output) in pending.iter_mut().zip(&mut done) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => waiting = true,
                }
            }
        }
        if waiting {
            Poll::Pending
        } else {
            Poll::Ready(done.drain(..).flatten().collect())
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use pollster::block_on;
    use std::cell::RefCell;

    /// Notes its start, waits once as a round trip would, then notes its end.
    async fn read(name: &'static str, log: &RefCell<Vec<String>>) -> &'static str {
        log.borrow_mut().push(format!("start {name}"));
        let mut waited = false;
        poll_fn(|cx| {
            if std::mem::replace(&mut waited, true) {
                return Poll::Ready(());
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        })
        .await;
        log.borrow_mut().push(format!("end {name}"));
        name
    }

    #[test]
    fn every_read_starts_before_any_ends_and_the_outputs_keep_their_order() {
        let log = RefCell::new(Vec::new());
        assert_eq!(block_on(join_all(["a", "b", "c"].map(|n| read(n, &log)))), ["a", "b", "c"]);
        assert_eq!(log.into_inner(), ["start a", "start b", "start c", "end a", "end b", "end c"]);
        assert!(block_on(join_all(Vec::<std::future::Ready<()>>::new())).is_empty());
    }

    #[test]
    fn three_reads_of_any_types_start_before_any_ends() {
        let log = RefCell::new(Vec::new());
        let numbered = async { read("b", &log).await.len() };
        assert_eq!(block_on(join3(read("a", &log), numbered, read("c", &log))), ("a", 1, "c"));
        assert_eq!(log.into_inner(), ["start a", "start b", "start c", "end a", "end b", "end c"]);
        // One ready at once, the others after waiting: each output is taken once.
        let log = RefCell::new(Vec::new());
        assert_eq!(block_on(join3(std::future::ready(7), read("d", &log), read("e", &log))), (7, "d", "e"));
    }
}
