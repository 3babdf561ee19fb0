//! Two ammonia policies: a generous one for the author's posts and a strict one for readers' comments.

use ammonia::Builder;
use std::collections::HashSet;
use std::sync::LazyLock;

static POST: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::default();
    b.add_tags(["figure", "figcaption", "input", "details", "summary", "mark", "section"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("img", ["loading", "width", "height"])
        .add_tag_attributes("code", ["class"])
        .add_tag_attributes("sup", ["class", "id"])
        .add_tag_attributes("div", ["class", "id"])
        .add_tag_attributes("li", ["id"])
        .add_tag_attributes("a", ["id", "class"])
        .add_generic_attributes(["id", "title"])
        .id_prefix(None)
        .link_rel(Some("noopener"))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .attribute_filter(|element, attribute, value| match (element, attribute) {
            // Task list checkboxes only; no other form controls in a post.
            ("input", "type") if value != "checkbox" => None,
            _ => Some(value.into()),
        });
    b
});

static COMMENT: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::empty();
    b.add_tags(["p", "br", "em", "strong", "del", "a", "code", "pre", "blockquote", "ul", "ol", "li"])
        .add_tag_attributes("a", ["href", "title"])
        .add_tag_attributes("ol", ["start"])
        .link_rel(Some("nofollow ugc noopener"))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(ammonia::UrlRelative::Deny);
    b
});

/// Cleans HTML rendered from an author's post.
pub fn post(html: &str) -> String {
    POST.clean(html).to_string()
}

/// Cleans HTML rendered from a reader's comment: text formatting, links and code only.
pub fn comment(html: &str) -> String {
    COMMENT.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_policy_keeps_ids_classes_and_task_boxes() {
        let html = r#"<h2 id="x">X</h2><pre><code class="language-rust">fn</code></pre><input type="checkbox" checked="" disabled="">"#;
        assert_eq!(post(html), html);
    }

    #[test]
    fn post_policy_removes_active_content() {
        let cleaned =
            post(r#"<iframe src="https://x"></iframe><input type="text"><a href="javascript:x()" onclick="y()">a</a><style>*{}</style>"#);
        assert_eq!(cleaned, r#"<input><a rel="noopener">a</a>"#);
    }

    #[test]
    fn comment_policy_allows_only_text_formatting_and_safe_links() {
        assert_eq!(comment(r#"<h1>x</h1><img src="a.png"><a href="/rel">r</a>"#), "x<a rel=\"nofollow ugc noopener\">r</a>");
        assert_eq!(
            comment(r#"<a href="https://e.org" target="_blank">e</a>"#),
            r#"<a href="https://e.org" rel="nofollow ugc noopener">e</a>"#
        );
    }
}
