//! Real files of the kinds clerks upload — PDF documents, PNG photos, .xlsx ledgers and
//! CSV tables — with synthetic content, for the demo campaign. Each is a valid file of
//! its type (it opens, and the storage module's sniffing accepts it).

use std::fmt::Write as _;
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
    pdf_from_objects(&objects, "/Info 6 0 R")
}

/// Writes a PDF from its objects (numbered from 1; the first is the catalog), with an
/// information dictionary as the last object and `trailer_extra` in the trailer.
fn pdf_from_objects(objects: &[Vec<u8>], trailer_extra: &str) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(objects.iter().map(Vec::len).sum::<usize>() + 1024);
    let mut offsets = Vec::new();
    out.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
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
        "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out
}

fn stream_object(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut o = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    o.extend_from_slice(data);
    o.extend_from_slice(b"\nendstream");
    o
}

/// The characters of the lines that are not all ASCII, once each, in order: the glyphs
/// of the CID font of [`text_pdf`] (CID = position + 1).
fn cid_chars(lines: &[&str]) -> Vec<char> {
    let mut chars: Vec<char> = Vec::new();
    for c in lines
        .iter()
        .filter(|l| !l.is_ascii())
        .flat_map(|l| l.chars())
    {
        if !chars.contains(&c) {
            chars.push(c);
        }
    }
    chars
}

/// A PDF whose pages carry `lines` as a real text layer: ASCII lines in Helvetica,
/// others in a Type0 (Identity-H) font whose ToUnicode map gives each glyph its
/// character, which is how Chinese text is extracted from PDFs. No font is embedded
/// (viewers substitute one). 40 lines a page; `padding` bytes of ignored stream data
/// give the file a realistic size. `trailer_extra` goes into the trailer (tests add an
/// /Encrypt entry there).
pub fn text_pdf_with(lines: &[&str], padding: usize, trailer_extra: &str) -> Vec<u8> {
    let chars = cid_chars(lines);
    let pages: Vec<&[&str]> = if lines.is_empty() {
        vec![&[]]
    } else {
        lines.chunks(40).collect()
    };
    // 1 catalog, 2 pages, 3 Helvetica, 4 Type0, 5 CIDFont, 6 ToUnicode, 7 descriptor,
    // 8 filler, then each page and its content, then the information dictionary.
    let first_page = 9;
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", first_page + 2 * i))
        .collect();
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap \
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def \
         /CMapName /Shian-UCS def /CMapType 2 def \
         1 begincodespacerange <0000> <FFFF> endcodespacerange\n",
    );
    for block in chars.chunks(100) {
        let _ = writeln!(cmap, "{} beginbfchar", block.len());
        for c in block {
            let cid = chars.iter().position(|x| x == c).unwrap_or(0) + 1;
            let utf16: String = c
                .encode_utf16(&mut [0; 2])
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(cmap, "<{cid:04X}> <{utf16}>");
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap CMapName currentdict /CMap defineresource pop end end");
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H \
           /DescendantFonts [5 0 R] /ToUnicode 6 0 R >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /STSong-Light \
           /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
           /FontDescriptor 7 0 R /DW 1000 /CIDToGIDMap /Identity >>"
            .to_vec(),
        stream_object("", cmap.as_bytes()),
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 4 /FontBBox [0 -200 1000 900] \
           /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>"
            .to_vec(),
        stream_object("", &vec![b' '; padding]),
    ];
    for (i, page) in pages.iter().enumerate() {
        let mut content = String::new();
        for (row, line) in page.iter().enumerate() {
            let y = 800 - 18 * row as i32;
            if line.is_ascii() {
                let escaped = line
                    .replace('\\', "\\\\")
                    .replace('(', "\\(")
                    .replace(')', "\\)");
                let _ = writeln!(content, "BT /F1 11 Tf 56 {y} Td ({escaped}) Tj ET");
            } else {
                let hex: String = line
                    .chars()
                    .map(|c| {
                        let cid = chars.iter().position(|x| *x == c).map_or(3, |p| p + 1);
                        format!("{cid:04X}")
                    })
                    .collect();
                let _ = writeln!(content, "BT /F2 11 Tf 56 {y} Td <{hex}> Tj ET");
            }
        }
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {} 0 R \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>",
                first_page + 2 * i + 1
            )
            .into_bytes(),
        );
        objects.push(stream_object("", content.as_bytes()));
    }
    objects.push(b"<< /Producer (Shian demo) >>".to_vec());
    let info = objects.len();
    pdf_from_objects(&objects, &format!("/Info {info} 0 R {trailer_extra}"))
}

/// [`text_pdf_with`] without padding or trailer additions.
pub fn text_pdf(lines: &[&str]) -> Vec<u8> {
    text_pdf_with(lines, 0, "")
}

/// A PDF as a scanner makes it: one page painted with an image, no text at all.
pub fn scanned_pdf(noise: &mut Noise) -> Vec<u8> {
    let (w, h) = (64u32, 90u32);
    let pixels: Vec<u8> = (0..w * h).map(|_| 180 + (noise.below(60) as u8)).collect();
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
           /Resources << /XObject << /Im1 5 0 R >> >> >>"
            .to_vec(),
        stream_object("", b"q 595 0 0 842 0 0 cm /Im1 Do Q"),
        stream_object(
            &format!(
                "/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 8"
            ),
            &pixels,
        ),
    ];
    pdf_from_objects(&objects, "")
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A Word document (.docx) with one paragraph per line (deflated, as Word writes them).
pub fn docx(paragraphs: &[&str]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut body = String::new();
    for p in paragraphs {
        let _ = write!(
            body,
            "<w:p><w:r><w:rPr><w:rFonts w:eastAsia=\"仿宋_GB2312\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
            xml_escape(p)
        );
    }
    let parts: [(&str, String); 3] = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
             <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
             <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
             <Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
             </Types>"
                .to_string(),
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
             <Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
             <Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
             </Relationships>"
                .to_string(),
        ),
        (
            "word/document.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
                 <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
                 <w:body>{body}<w:sectPr/></w:body></w:document>"
            ),
        ),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in parts {
        // Writing to memory cannot fail.
        let _ = zip.start_file(name, options);
        let _ = zip.write_all(content.as_bytes());
    }
    zip.finish().map(|c| c.into_inner()).unwrap_or_default()
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
