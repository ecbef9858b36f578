//! Photos taken at a point. Each is uploaded on its own (over a weak connection the
//! inspector retries one photo, not the record), must be a photo (JPEG, PNG, WebP or
//! HEIC, decided from its bytes), and may carry a JPEG preview the browser made when
//! the original is one browsers cannot show (HEIC outside Safari).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use crate::storage::{FileType, Stored};

/// The largest photo accepted (phone cameras make 3–12 MB; HEIC less).
pub const MAX_PHOTO_BYTES: u64 = 30 * 1024 * 1024;
/// A preview is a downscaled JPEG.
pub const MAX_PREVIEW_BYTES: u64 = 3 * 1024 * 1024;

/// Why a photo was refused (nothing is kept then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoRefusal {
    /// The file is not a photo (its bytes say so, whatever its name).
    NotPhoto,
    /// The preview is not an image a browser shows.
    BadPreview,
    /// The finding named is not one of this point's.
    FindingNotAtPoint,
    /// The record was submitted or the round closed: photos are taken at the visit.
    Closed,
    /// The form carried no photo.
    Missing,
}

impl PhotoRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoRefusal::NotPhoto => "not_photo",
            PhotoRefusal::BadPreview => "bad_preview",
            PhotoRefusal::FindingNotAtPoint => "finding_not_at_point",
            PhotoRefusal::Closed => "closed",
            PhotoRefusal::Missing => "missing",
        }
    }

    pub fn message_key(self) -> &'static str {
        match self {
            PhotoRefusal::NotPhoto => "photo-refused-not-photo",
            PhotoRefusal::BadPreview => "photo-refused-preview",
            PhotoRefusal::FindingNotAtPoint => "photo-refused-finding",
            PhotoRefusal::Closed => "photo-refused-closed",
            PhotoRefusal::Missing => "photo-refused-missing",
        }
    }
}

/// A photo that may be recorded: the original a photo, the preview (if any) one the
/// browser shows.
#[derive(Debug)]
pub struct NewPhoto<'a> {
    original: &'a Stored,
    original_name: &'a str,
    preview: Option<&'a Stored>,
    finding_id: Option<i64>,
    taken_at: Option<DateTime<Utc>>,
}

impl<'a> NewPhoto<'a> {
    /// `open`: the record still takes photos. `point_findings`: the point's finding ids.
    pub fn check(
        open: bool,
        original: Option<&'a (Stored, String)>,
        preview: Option<&'a Stored>,
        finding_id: Option<i64>,
        point_findings: &[i64],
        taken_at: &str,
    ) -> Result<NewPhoto<'a>, PhotoRefusal> {
        if !open {
            return Err(PhotoRefusal::Closed);
        }
        let (original, original_name) = original
            .map(|(s, n)| (s, n.as_str()))
            .ok_or(PhotoRefusal::Missing)?;
        if !original.file_type.is_photo() {
            return Err(PhotoRefusal::NotPhoto);
        }
        if preview.is_some_and(|p| !(p.file_type.is_photo() && p.file_type.previewable())) {
            return Err(PhotoRefusal::BadPreview);
        }
        if finding_id.is_some_and(|f| !point_findings.contains(&f)) {
            return Err(PhotoRefusal::FindingNotAtPoint);
        }
        let taken_at = DateTime::parse_from_rfc3339(taken_at.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc));
        Ok(NewPhoto {
            original,
            original_name,
            // A preview of a photo the browser already shows is not needed.
            preview: preview.filter(|_| !original.file_type.previewable()),
            finding_id,
            taken_at,
        })
    }

    /// Whether the preview sent along is kept (only for a photo browsers cannot show).
    pub fn keeps_preview(&self) -> bool {
        self.preview.is_some()
    }

    /// Records the files and the photo in one transaction, while the record still takes
    /// photos (checked again here); None writes nothing.
    pub async fn record(
        &self,
        db: &PgPool,
        point_id: i64,
        user_id: i64,
    ) -> sqlx::Result<Option<i64>> {
        let mut tx = db.begin().await?;
        let submitted: Option<bool> = sqlx::query_scalar(
            "SELECT state = 'submitted' FROM inspection_records WHERE point_id = $1 FOR UPDATE",
        )
        .bind(point_id)
        .fetch_optional(&mut *tx)
        .await?;
        if submitted == Some(true) {
            return Ok(None);
        }
        let file_id =
            crate::evidence::insert_file(&mut *tx, self.original, self.original_name, user_id)
                .await?;
        let preview_id = match self.preview {
            Some(preview) => {
                let name = format!("{}.preview.jpg", self.original_name);
                Some(crate::evidence::insert_file(&mut *tx, preview, &name, user_id).await?)
            }
            None => None,
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inspection_photos (point_id, finding_id, file_id, preview_file_id, taken_at, added_by) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(point_id)
        .bind(self.finding_id)
        .bind(file_id)
        .bind(preview_id)
        .bind(self.taken_at)
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }
}

/// A photo of a point as its page lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Photo {
    pub id: i64,
    pub finding_id: Option<i64>,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub has_preview: bool,
    pub taken_at: Option<DateTime<Utc>>,
    pub added_at: DateTime<Utc>,
}

impl Photo {
    /// Whether a browser can show the photo itself or its preview.
    pub fn viewable(&self) -> bool {
        self.has_preview || FileType::from_mime(&self.content_type).is_some_and(|t| t.previewable())
    }
}

pub async fn for_point(db: &PgPool, point_id: i64) -> sqlx::Result<Vec<Photo>> {
    sqlx::query_as(
        "SELECT ph.id, ph.finding_id, s.original_name, s.content_type, s.size_bytes, \
                ph.preview_file_id IS NOT NULL AS has_preview, ph.taken_at, ph.added_at \
         FROM inspection_photos ph JOIN stored_files s ON s.id = ph.file_id \
         WHERE ph.point_id = $1 ORDER BY ph.id",
    )
    .bind(point_id)
    .fetch_all(db)
    .await
}

/// The stored file behind a photo (its preview when asked and there is one).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PhotoFile {
    pub file_id: i64,
    pub storage_key: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

pub async fn file(
    db: &PgPool,
    point_id: i64,
    photo_id: i64,
    preview: bool,
) -> sqlx::Result<Option<PhotoFile>> {
    sqlx::query_as(
        "SELECT s.id AS file_id, s.storage_key, s.original_name, s.content_type, s.size_bytes \
         FROM inspection_photos ph \
         JOIN stored_files s ON s.id = CASE WHEN $3 THEN COALESCE(ph.preview_file_id, ph.file_id) ELSE ph.file_id END \
         WHERE ph.point_id = $1 AND ph.id = $2",
    )
    .bind(point_id)
    .bind(photo_id)
    .bind(preview)
    .fetch_optional(db)
    .await
}

/// Removes a photo taken by mistake while the record is a draft and its finding (if any)
/// was not decided; whether it was removed. The stored file stays until the sweep (other
/// rows never point at it).
pub async fn remove(db: &PgPool, point_id: i64, photo_id: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "DELETE FROM inspection_photos ph WHERE ph.point_id = $1 AND ph.id = $2 \
         AND NOT EXISTS (SELECT 1 FROM inspection_records r WHERE r.point_id = $1 AND r.state = 'submitted') \
         AND NOT EXISTS (SELECT 1 FROM inspection_findings f WHERE f.id = ph.finding_id AND f.decision <> 'pending')",
    )
    .bind(point_id)
    .bind(photo_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(file_type: FileType) -> (Stored, String) {
        (
            Stored {
                key: "ab/cd/x".into(),
                size: 10,
                sha256: "0".into(),
                file_type,
            },
            "照片.heic".into(),
        )
    }

    #[test]
    fn only_photos_are_kept_and_previews_only_for_what_browsers_cannot_show() {
        let heic = stored(FileType::Heic);
        let jpeg = stored(FileType::Jpeg);
        let pdf = stored(FileType::Pdf);
        let photo = NewPhoto::check(true, Some(&heic), Some(&jpeg.0), None, &[], "").unwrap();
        assert!(photo.preview.is_some());
        let photo = NewPhoto::check(true, Some(&jpeg), Some(&jpeg.0), None, &[], "").unwrap();
        assert!(photo.preview.is_none(), "a JPEG needs no preview");
        assert_eq!(
            NewPhoto::check(true, Some(&pdf), None, None, &[], "").unwrap_err(),
            PhotoRefusal::NotPhoto
        );
        assert_eq!(
            NewPhoto::check(true, Some(&heic), Some(&heic.0), None, &[], "").unwrap_err(),
            PhotoRefusal::BadPreview
        );
        assert_eq!(
            NewPhoto::check(true, Some(&jpeg), None, Some(9), &[3], "").unwrap_err(),
            PhotoRefusal::FindingNotAtPoint
        );
        assert_eq!(
            NewPhoto::check(false, Some(&jpeg), None, None, &[], "").unwrap_err(),
            PhotoRefusal::Closed
        );
        assert_eq!(
            NewPhoto::check(true, None, None, None, &[], "").unwrap_err(),
            PhotoRefusal::Missing
        );
    }
}
