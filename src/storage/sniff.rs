//! Which files may be uploaded, decided from their first bytes (magic numbers), never
//! from the name alone: a renamed executable is refused. Text formats have no magic
//! bytes, so for them the name's extension must agree and the bytes must be text.

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    Gif,
    Webp,
    Bmp,
    Tiff,
    /// HEIC/HEIF photos (iPhones): stored as sent; only some browsers show them.
    Heic,
    Word,
    Excel,
    PowerPoint,
    /// OLE or OpenDocument office files whose application is not told apart (WPS, .odt…).
    Office,
    Zip,
    /// RAR archives (v4 and v5): accepted and listed, never expanded.
    Rar,
    /// 7z archives: accepted and listed, never expanded.
    SevenZip,
    Text,
    Csv,
}

impl FileType {
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
            FileType::Gif => "image/gif",
            FileType::Webp => "image/webp",
            FileType::Bmp => "image/bmp",
            FileType::Tiff => "image/tiff",
            FileType::Heic => "image/heic",
            FileType::Word => "application/msword",
            FileType::Excel => "application/vnd.ms-excel",
            FileType::PowerPoint => "application/vnd.ms-powerpoint",
            FileType::Office | FileType::Zip => "application/octet-stream",
            FileType::Rar => "application/vnd.rar",
            FileType::SevenZip => "application/x-7z-compressed",
            FileType::Text => "text/plain; charset=utf-8",
            FileType::Csv => "text/csv; charset=utf-8",
        }
    }

    /// Whether this is a photo as a camera makes it (what inspection photos may be).
    pub fn is_photo(self) -> bool {
        matches!(
            self,
            FileType::Jpeg | FileType::Png | FileType::Heic | FileType::Webp
        )
    }

    /// Browsers show these inline safely (PDF viewer, images); TIFF they cannot show.
    pub fn previewable(self) -> bool {
        matches!(
            self,
            FileType::Pdf
                | FileType::Jpeg
                | FileType::Png
                | FileType::Gif
                | FileType::Webp
                | FileType::Bmp
        )
    }

    pub fn from_mime(mime: &str) -> Option<FileType> {
        ALL.iter().copied().find(|t| t.mime() == mime)
    }
}

const ALL: [FileType; 17] = [
    FileType::Pdf,
    FileType::Jpeg,
    FileType::Png,
    FileType::Gif,
    FileType::Webp,
    FileType::Bmp,
    FileType::Tiff,
    FileType::Heic,
    FileType::Word,
    FileType::Excel,
    FileType::PowerPoint,
    FileType::Office,
    FileType::Zip,
    FileType::Rar,
    FileType::SevenZip,
    FileType::Text,
    FileType::Csv,
];

/// RAR 1.5–4.x and RAR 5.0 signatures, and the 7z one.
const RAR4: &[u8] = b"Rar!\x1a\x07\x00";
const RAR5: &[u8] = b"Rar!\x1a\x07\x01\x00";
const SEVEN_ZIP: &[u8] = b"7z\xbc\xaf\x27\x1c";

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default()
}

/// The type of a file from its leading bytes and name, or None when it is not allowed.
pub fn detect(head: &[u8], name: &str) -> Option<FileType> {
    let ext = extension(name);
    if head.starts_with(RAR4) || head.starts_with(RAR5) {
        return Some(FileType::Rar);
    }
    if head.starts_with(SEVEN_ZIP) {
        return Some(FileType::SevenZip);
    }
    if let Some(kind) = infer::get(head) {
        let mime = kind.mime_type();
        return match mime {
            "application/pdf" => Some(FileType::Pdf),
            "image/jpeg" => Some(FileType::Jpeg),
            "image/png" => Some(FileType::Png),
            "image/gif" => Some(FileType::Gif),
            "image/webp" => Some(FileType::Webp),
            "image/bmp" => Some(FileType::Bmp),
            "image/tiff" => Some(FileType::Tiff),
            "image/heif" => Some(FileType::Heic),
            "application/msword"
            | "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
                Some(FileType::Word)
            }
            "application/vnd.ms-excel"
            | "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
                Some(FileType::Excel)
            }
            "application/vnd.ms-powerpoint"
            | "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
                Some(FileType::PowerPoint)
            }
            "application/x-ole-storage" => Some(FileType::Office),
            _ if mime.starts_with("application/vnd.oasis.opendocument") => Some(FileType::Office),
            // Office Open XML files are ZIP archives; the name tells which application.
            "application/zip" => Some(match ext.as_str() {
                "docx" => FileType::Word,
                "xlsx" => FileType::Excel,
                "pptx" => FileType::PowerPoint,
                _ => FileType::Zip,
            }),
            // Executables, scripts with magic, audio, video, other archives: refused.
            _ => None,
        };
    }
    let text_type = match ext.as_str() {
        "txt" | "md" => FileType::Text,
        "csv" => FileType::Csv,
        _ => return None,
    };
    looks_like_text(head).then_some(text_type)
}

/// No NUL bytes and valid UTF-8 or GB18030 (a multi-byte character cut off at the end
/// of the sample is allowed).
fn looks_like_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) if e.error_len().is_none() => true,
        Err(_) => !encoding_rs::GB18030.decode_without_bom_handling(head).1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_and_refused_types() {
        assert_eq!(detect(b"%PDF-1.4 rest", "a.pdf"), Some(FileType::Pdf));
        assert_eq!(
            detect(b"%PDF-1.4 rest", "renamed.doc"),
            Some(FileType::Pdf),
            "bytes decide"
        );
        assert_eq!(
            detect(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], "照片.jpg"),
            Some(FileType::Jpeg)
        );
        assert_eq!(
            detect(b"\x89PNG\r\n\x1a\n....", "x.png"),
            Some(FileType::Png)
        );
        assert_eq!(
            detect(b"PK\x03\x04rest-of-zip", "材料.zip"),
            Some(FileType::Zip)
        );
        assert_eq!(
            detect(b"PK\x03\x04rest-of-zip", "台账.xlsx"),
            Some(FileType::Excel)
        );
        assert!(
            detect(
                &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
                "旧表.xls"
            )
            .is_some()
        );
        assert_eq!(
            detect("序号,单位\n1,卡若区\n".as_bytes(), "台账.csv"),
            Some(FileType::Csv)
        );
        let (gbk, _, _) = encoding_rs::GBK.encode("会议纪要");
        assert_eq!(detect(&gbk, "纪要.txt"), Some(FileType::Text));

        assert_eq!(
            detect(b"MZ\x90\x00\x03\x00", "报告.pdf"),
            None,
            "a disguised Windows program"
        );
        assert_eq!(
            detect(b"\x7fELF\x02\x01\x01", "报告.pdf"),
            None,
            "a disguised Linux program"
        );
        assert_eq!(
            detect(b"#!/bin/sh\nrm -rf /", "run.sh"),
            None,
            "text, but not an allowed kind"
        );
        assert_eq!(detect(b"plain words", "noextension"), None);
        assert_eq!(
            detect(b"\x1f\x8b\x08\x00\x00\x00", "材料.tar.gz"),
            None,
            "other archives stay refused"
        );
        assert_eq!(detect(b"bin\0ary", "data.txt"), None);
    }

    #[test]
    fn rar_and_7z_archives() {
        assert_eq!(
            detect(b"Rar!\x1a\x07\x00\xcf\x90\x73", "旧材料.rar"),
            Some(FileType::Rar),
            "RAR 4"
        );
        assert_eq!(
            detect(b"Rar!\x1a\x07\x01\x00\x33\x92", "材料.rar"),
            Some(FileType::Rar),
            "RAR 5"
        );
        assert_eq!(
            detect(b"7z\xbc\xaf\x27\x1c\x00\x04", "材料.7z"),
            Some(FileType::SevenZip)
        );
        assert_eq!(
            detect(b"Rar!\x1a\x07\x02\x00", "x.rar"),
            None,
            "no such RAR version"
        );
        for t in [FileType::Rar, FileType::SevenZip] {
            assert_eq!(FileType::from_mime(t.mime()), Some(t), "{t:?}");
        }
        assert_eq!(
            FileType::from_mime("image/heic"),
            Some(FileType::Heic),
            "HEIC stays accepted"
        );
    }
}
