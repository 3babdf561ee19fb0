//! Compiles the stylesheet's address into the worker (`core::views::STYLESHEET`): `/static/style.<cksum>.css`, with
//! the POSIX `cksum` of its bytes, where `make build` puts a copy of it and which it writes for the panic page of
//! `src/edge/entry.mjs`. A changed stylesheet is a new address, so `public/_headers` can let browsers keep it for a
//! year.

fn main() {
    println!("cargo:rerun-if-changed=public/style.css");
    let css = std::fs::read("public/style.css").expect("read public/style.css");
    println!("cargo:rustc-env=BLOG_STYLESHEET=/static/style.{}.css", cksum(&css));
}

/// POSIX `cksum`: CRC-32 (polynomial 0x04C11DB7, most significant bit first) of the bytes, then of their length in as
/// few bytes as it takes, least significant first; complemented.
fn cksum(data: &[u8]) -> u32 {
    let mut crc = 0u32;
    let mut feed = |byte: u8| {
        crc ^= u32::from(byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 { (crc << 1) ^ 0x04C1_1DB7 } else { crc << 1 };
        }
    };
    data.iter().for_each(|&b| feed(b));
    let mut len = data.len();
    while len > 0 {
        feed(len as u8);
        len >>= 8;
    }
    !crc
}
