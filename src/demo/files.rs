//! Real files of the kinds clerks upload — PDF documents, PNG photos, .xlsx ledgers and
//! CSV tables — with synthetic content, for the demo campaign. Each is a valid file of
//! its type (it opens, and the storage module's sniffing accepts it).

use std::io::Write;

/// A deterministic byte source (xorshift), so demo data is the same on every run.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Noise {
        Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// A one-page PDF whose page shows `title` and which carries `padding` bytes of
/// (uncompressed, ignored) stream data to reach a realistic size.
pub fn pdf(title: &str, padding: usize, noise: &mut Noise) -> Vec<u8> {
    // PDF text is ASCII here; the Chinese title goes into the document information.
    let content = format!(
        "BT /F1 18 Tf 72 720 Td (Shian demo document) Tj 0 -28 Td /F1 11 Tf (ref {}) Tj ET",
        noise.next_u64() % 1_000_000
    );
    let mut filler = vec![0u8; padding];
    for chunk in filler.chunks_mut(8) {
        let bytes = noise.next_u64().to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
    let title_utf16: String = std::iter::once(0xFEFFu16)
        .chain(title.encode_utf16())
        .map(|u| format!("{u:04X}"))
        .collect();
    let mut out: Vec<u8> = Vec::with_capacity(padding + 2048);
    let mut offsets = Vec::new();
    out.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_vec(),
        {
            let mut o = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
            o.extend_from_slice(content.as_bytes());
            o.extend_from_slice(b"\nendstream");
            o
        },
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        format!("<< /Title <{title_utf16}> /Producer (Shian demo) >>").into_bytes(),
        {
            let mut o = format!("<< /Length {} >>\nstream\n", filler.len()).into_bytes();
            o.extend_from_slice(&filler);
            o.extend_from_slice(b"\nendstream");
            o
        },
    ];
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        let _ = writeln!(out, "{} 0 obj", i + 1);
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(out, "{offset:010} 00000 n ");
    }
    let _ = write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= *byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + *byte as u32) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A `width`×`height` RGB PNG (a "site photo": a gradient with noise), zlib-stored.
pub fn png(width: u32, height: u32, noise: &mut Noise) -> Vec<u8> {
    let mut raw = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    let tint = noise.below(255) as u32;
    for y in 0..height {
        raw.push(0); // no filter
        for x in 0..width {
            let n = (noise.next_u64() & 0x1F) as u32;
            raw.push(((x * 255 / width.max(1) + n) & 0xFF) as u8);
            raw.push(((y * 255 / height.max(1) + n) & 0xFF) as u8);
            raw.push(((tint + n) & 0xFF) as u8);
        }
    }
    // zlib with stored (uncompressed) deflate blocks of at most 65535 bytes.
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A ledger (台账) as an .xlsx workbook with `rows` inspection records.
pub fn xlsx(title: &str, rows: u32, noise: &mut Noise) -> anyhow::Result<Vec<u8>> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write(0, 0, title)?;
    for (col, head) in ["序号", "日期", "单位", "检查内容", "结果", "整改情况"]
        .iter()
        .enumerate()
    {
        sheet.write(1, col as u16, *head)?;
    }
    for row in 0..rows {
        let r = row + 2;
        sheet.write(r, 0, row + 1)?;
        sheet.write(
            r,
            1,
            format!("2025-{:02}-{:02}", 1 + noise.below(12), 1 + noise.below(28)),
        )?;
        sheet.write(r, 2, format!("经营单位{}", noise.below(900) + 100))?;
        sheet.write(r, 3, "日常监督检查")?;
        sheet.write(
            r,
            4,
            if noise.below(10) < 8 {
                "合格"
            } else {
                "限期整改"
            },
        )?;
        sheet.write(r, 5, "已完成")?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// A CSV table (UTF-8 with BOM) of `rows` records.
pub fn csv(rows: u32, noise: &mut Noise) -> Vec<u8> {
    let mut out = "\u{feff}序号,抽检批次,合格批次,合格率\n"
        .as_bytes()
        .to_vec();
    for row in 0..rows {
        let total = 50 + noise.below(200);
        let pass = total - noise.below(4);
        let _ = writeln!(
            out,
            "{},{total},{pass},{:.1}%",
            row + 1,
            100.0 * pass as f64 / total as f64
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sniff::{FileType, detect};

    #[test]
    fn generated_files_pass_the_upload_checks() {
        let mut noise = Noise::new(7);
        let pdf = pdf("会议纪要", 10_000, &mut noise);
        assert_eq!(detect(&pdf, "a.pdf"), Some(FileType::Pdf));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let png = png(64, 48, &mut noise);
        assert_eq!(detect(&png, "a.png"), Some(FileType::Png));
        let xlsx = xlsx("台账", 20, &mut noise).unwrap();
        assert!(detect(&xlsx, "a.xlsx").is_some());
        let csv = csv(10, &mut noise);
        assert!(detect(&csv, "a.csv").is_some());
    }

    #[test]
    fn png_checksums_are_right() {
        // The CRC of "IEND" with no data is a fixed, well-known value.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }
}
