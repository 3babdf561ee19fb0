//! Publishing use cases: a file becomes a stored document, a catalog row and a line of the index.

use super::{App, AppError, Published};
use crate::core::index::SiteIndex;
use crate::core::post::{Kind, Post, PostSummary, StoredDoc};
use crate::core::slug::Slug;
use crate::store::{Catalog, ContentStore, PublishedDoc, StoreError};

impl<C: ContentStore, D: Catalog> App<'_, C, D> {
    /// Publishes one file at `slug`, as the admin API does. Identical content writes nothing.
    pub async fn publish(&self, kind: Kind, slug: &Slug, source: &str) -> Result<Published, AppError> {
        let doc = prepare(kind, source, Some(slug.as_str()))?;
        if doc.summary.slug != *slug {
            return Err(AppError::BadDocument(format!(
                "the front matter says slug = \"{}\" but the URL says `{slug}`; make them agree",
                doc.summary.slug
            )));
        }
        // A stored document that cannot be read is replaced: publishing is how the author repairs it.
        let previous = match self.content.doc(kind, slug).await {
            Err(StoreError::Corrupt(_)) => None,
            other => other?,
        };
        let created = previous.is_none();
        if previous.is_none_or(|p| p.version != doc.doc.version) {
            let (index, _) = self.index_after(kind, slug, Some(&doc.summary)).await?;
            self.content.check_index(&index).await?;
            let docs = std::slice::from_ref(&doc);
            self.db.upsert(docs).await?;
            self.content.put_docs(docs).await?;
            self.content.put_index(&index).await?;
        }
        Ok(Published { slug: slug.clone(), url: doc.summary.url(), created })
    }

    /// Writes documents to the catalog and content store, then rebuilds the index once from the catalog.
    pub async fn publish_all(&self, docs: &[PublishedDoc]) -> Result<(), AppError> {
        self.db.upsert(docs).await?;
        self.content.put_docs(docs).await?;
        let index = SiteIndex::build(self.db.summaries().await?, self.now);
        self.content.put_index(&index).await?;
        Ok(())
    }

    /// Removes a document from every list, feed, the sitemap and search.
    pub async fn unpublish(&self, kind: Kind, slug: &Slug) -> Result<(), AppError> {
        let (index, in_catalog) = self.index_after(kind, slug, None).await?;
        if !in_catalog && self.content.doc(kind, slug).await?.is_none() {
            return Err(AppError::NotFound);
        }
        self.content.check_index(&index).await?;
        self.db.remove(kind, slug).await?;
        self.content.delete_doc(kind, slug).await?;
        self.content.put_index(&index).await?;
        Ok(())
    }

    /// The index once the document at `kind`/`slug` is replaced by `summary`, or taken away; and whether the catalog
    /// held it. Built before anything is written, so that the content store can refuse an index it could not store
    /// in one go (the KV writes of one worker request): half a publish would be live at its address and in search,
    /// but in no list. A publish through another request meanwhile is left out of it, until the next publish builds
    /// the index again from the catalog, which holds both.
    async fn index_after(&self, kind: Kind, slug: &Slug, summary: Option<&PostSummary>) -> Result<(SiteIndex, bool), AppError> {
        let mut summaries = self.db.summaries().await?;
        let listed = summaries.len();
        summaries.retain(|s| !(s.kind == kind && s.slug == *slug));
        let held = summaries.len() < listed;
        summaries.extend(summary.cloned());
        Ok((SiteIndex::build(summaries, self.now), held))
    }
}

/// Parses and renders a file for publishing; bad front matter is a [`AppError::BadDocument`].
pub fn prepare(kind: Kind, source: &str, file_slug: Option<&str>) -> Result<PublishedDoc, AppError> {
    let post = Post::parse(source, kind, file_slug).map_err(|e| AppError::BadDocument(e.to_string()))?;
    let rendered = post.render();
    Ok(PublishedDoc {
        summary: post.summary(&rendered),
        text: format!("{} {}", post.meta.title, rendered.text),
        doc: StoredDoc::new(kind, source.to_string(), Some(post.prepared(&rendered))),
    })
}
