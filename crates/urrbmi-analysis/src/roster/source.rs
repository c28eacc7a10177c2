//! Where rows come from: the file's format and text encoding, detected per file, and its rows
//! with their physical line numbers.
//!
//! - **Workbooks** (`.xlsx`, `.xls`; by their first bytes, a zip or an OLE file) are read with
//!   `calamine` on a thread of their own that sends rows in batches: an `.xlsx` sheet is
//!   streamed cell by cell (its shared strings are held in memory), an `.xls` sheet is read
//!   whole (the format holds at most 65,536 rows). A row's "line" is its row number as Excel
//!   shows it (1-based).
//! - **Text** (CSV, or tab-separated): a byte-order mark decides (UTF-8, UTF-16LE, UTF-16BE);
//!   without one, text whose first mebibyte is valid UTF-8 is UTF-8 and any other is GB18030
//!   (a superset of GBK, what "CSV" means in a Chinese Excel). The text is decoded in blocks
//!   with `encoding_rs`'s streaming decoder. Lines end at `\n` (a `\r` before it is dropped),
//!   and line numbers count physical lines from 1: blank lines and newlines inside quoted cells
//!   are counted, so a row's line is the line its first cell is on in any text editor.
//!
//! Splitting text into cells follows RFC 4180 (a cell starting with `"` runs to the next lone
//! `"`, and `""` inside it is one `"`), with one addition for rosters saved by hand: a quoted
//! cell that is still open after [`MAX_SPAN`] lines or at the end of the file, or a row that
//! spans several lines and has the wrong number of cells, is taken for an **unclosed quote**.
//! That row is reported at the line where the quote opened, read with the quote as a literal
//! character (so the results still show its cells), and reading goes on at the next line, so
//! the rows after it are read as usual.

use std::collections::VecDeque;
use std::io::{self, Read, Seek};
use std::sync::mpsc;

use encoding_rs::{CoderResult, Decoder, Encoding};

use super::RosterError;

/// A quoted cell may span at most this many lines before it is taken for an unclosed quote.
pub const MAX_SPAN: usize = 64;

/// How many bytes are inspected to choose between UTF-8 and GB18030.
const SNIFF: usize = 1 << 20;

/// Rows sent at once by the workbook thread.
const SHEET_BATCH: usize = 4096;

/// How many batches the workbook thread may have sent ahead of the reader: 81,920 rows, more
/// than a chunk of 65,536 (what `urrbmi roster` reads at once), so that the sheet is parsed
/// while the chunk before is evaluated and written, not only while it is read. With 4 batches
/// (16,384 rows) the thread waited while each chunk was written back: a 1,000,000-row
/// workbook written back took 25.1 s, against 22.2 s with 20 (docs/performance.md, rosters).
const SHEET_BATCHES_AHEAD: usize = 20;

/// What a roster file is: its format and, for text, its encoding; named in the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputFormat {
    /// Delimited text.
    Text {
        /// The encoding's name (`UTF-8`, `GB18030`, `UTF-16LE`, `UTF-16BE`).
        encoding: &'static str,
        /// Whether the file starts with a byte-order mark.
        bom: bool,
        /// The cell separator (`,` or a tab).
        delimiter: char,
    },
    /// An Office Open XML workbook (`.xlsx`).
    Xlsx {
        /// The sheet read.
        sheet: String,
    },
    /// A legacy Excel workbook (`.xls`).
    Xls {
        /// The sheet read.
        sheet: String,
    },
}

impl std::fmt::Display for InputFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InputFormat::Text {
                encoding,
                bom,
                delimiter,
            } => {
                let kind = if *delimiter == '\t' {
                    "tab-separated text"
                } else {
                    "CSV"
                };
                write!(
                    f,
                    "{kind}, {encoding}{}",
                    if *bom { " with a byte-order mark" } else { "" }
                )
            }
            InputFormat::Xlsx { sheet } => write!(f, "Excel workbook (.xlsx), sheet `{sheet}`"),
            InputFormat::Xls { sheet } => {
                write!(f, "Excel 97-2003 workbook (.xls), sheet `{sheet}`")
            }
        }
    }
}

/// One row of a roster as it came: its line and its cells as text (trimmed by the readers of
/// each field, not here).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterRow {
    line: u64,
    text: String,
    ends: Vec<usize>,
    /// The cell where an unclosed quote opened (this row's line is where it opened).
    unclosed: Option<usize>,
    /// Whether the decoder had replaced undecodable bytes with U+FFFD by the time this row
    /// was read: only then are its cells searched for U+FFFD.
    lossy: bool,
}

impl RosterRow {
    /// A row of the given cells at `line` (for tests and for callers building rows).
    pub fn new<'a>(line: u64, cells: impl IntoIterator<Item = &'a str>) -> Self {
        let mut row = RosterRow {
            line,
            ..RosterRow::default()
        };
        for cell in cells {
            row.text.push_str(cell);
            row.end_cell();
        }
        row
    }

    /// The line of the file the row starts on (for a workbook, the sheet's row number).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the row has no cells.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Cell `i` as written (not trimmed), if the row has it.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { *self.ends.get(i - 1)? };
        self.text.get(start..end)
    }

    /// The cells in order.
    pub fn cells(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or_default())
    }

    /// Whether every cell is empty or blank (a trailing `,,,,` row).
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }

    /// The cell where an unclosed quote opened, if this row is one.
    pub fn unclosed_quote(&self) -> Option<usize> {
        self.unclosed
    }

    /// Whether some cell of this row may hold bytes the decoder could not read (U+FFFD).
    pub(super) fn maybe_lossy(&self) -> bool {
        self.lossy
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.unclosed = None;
        self.lossy = false;
    }

    fn end_cell(&mut self) {
        self.ends.push(self.text.len());
    }
}

/// The rows of a roster file, whatever its format.
pub(super) enum Source<R> {
    Text(Box<TextSource<R>>),
    Sheet(SheetSource),
}

impl<R> std::fmt::Debug for Source<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Text(text) => write!(f, "Source::Text({:?})", text.encoding.name()),
            Source::Sheet(sheet) => write!(f, "Source::Sheet({:?})", sheet.format),
        }
    }
}

impl<R: Read> Source<R> {
    /// Detects the format of `input` and opens it. `sheet` picks a workbook's sheet (default:
    /// the first); `encoding` overrides the detection of a text file's encoding (a WHATWG
    /// label such as `gbk` or `utf-16le`).
    pub(super) fn open(
        mut input: R,
        sheet: Option<&str>,
        encoding: Option<&str>,
    ) -> Result<(Source<R>, InputFormat), RosterError> {
        let mut head = Vec::with_capacity(8192);
        let mut eof = fill_to(&mut input, &mut head, 8)?;
        match workbook_kind(&head) {
            Some(kind) => {
                input.read_to_end(&mut head).map_err(io_error)?;
                let (source, format) = SheetSource::open(io::Cursor::new(head), kind, sheet)?;
                Ok((Source::Sheet(source), format))
            }
            None => {
                if !eof {
                    eof = fill_to(&mut input, &mut head, SNIFF)?;
                }
                let (text, format) = TextSource::open(input, head, eof, encoding)?;
                Ok((Source::Text(Box::new(text)), format))
            }
        }
    }
}

impl Source<std::fs::File> {
    /// Opens a file: a workbook is read from the file itself (not copied into memory).
    pub(super) fn open_file(
        mut file: std::fs::File,
        sheet: Option<&str>,
        encoding: Option<&str>,
    ) -> Result<(Self, InputFormat), RosterError> {
        let mut head = Vec::with_capacity(8);
        fill_to(&mut file, &mut head, 8)?;
        match workbook_kind(&head) {
            Some(kind) => {
                file.rewind().map_err(io_error)?;
                let (source, format) =
                    SheetSource::open(io::BufReader::with_capacity(1 << 16, file), kind, sheet)?;
                Ok((Source::Sheet(source), format))
            }
            None => {
                file.rewind().map_err(io_error)?;
                Source::open(file, sheet, encoding)
            }
        }
    }
}

impl<R: Read> Source<R> {
    /// Reads the next row into `row` (cleared first); `false` at the end. `expected` is the
    /// number of cells a row should have, once the headings are known.
    pub(super) fn next_row(
        &mut self,
        row: &mut RosterRow,
        expected: Option<usize>,
    ) -> Result<bool, RosterError> {
        match self {
            Source::Text(text) => text.next_row(row, expected),
            Source::Sheet(sheet) => sheet.next_row(row),
        }
    }

    /// How many bytes of the input have been read (0 for a workbook).
    pub(super) fn bytes_read(&self) -> u64 {
        match self {
            Source::Text(text) => text.bytes_read,
            Source::Sheet(_) => 0,
        }
    }
}

fn io_error(e: io::Error) -> RosterError {
    RosterError::Io {
        path: None,
        reason: e.to_string(),
    }
}

/// Reads from `input` until `buf` holds at least `want` bytes or the input ends; `true` at
/// the end of the input.
fn fill_to<R: Read>(input: &mut R, buf: &mut Vec<u8>, want: usize) -> Result<bool, RosterError> {
    let mut block = [0u8; 8192];
    while buf.len() < want {
        let n = match input.read(&mut block) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(e)),
        };
        if n == 0 {
            return Ok(true);
        }
        buf.extend_from_slice(block.get(..n).unwrap_or_default());
    }
    Ok(false)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WorkbookKind {
    Xlsx,
    Xls,
}

fn workbook_kind(head: &[u8]) -> Option<WorkbookKind> {
    if head.starts_with(b"PK\x03\x04") {
        Some(WorkbookKind::Xlsx)
    } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Some(WorkbookKind::Xls)
    } else {
        None
    }
}

/// Delimited text, decoded to UTF-8 as it is read.
pub(super) struct TextSource<R> {
    input: R,
    encoding: &'static Encoding,
    decoder: Decoder,
    /// Raw bytes read but not yet decoded (the sniffed head, then each block).
    raw: Vec<u8>,
    eof: bool,
    /// Decoded text; `pos` is where the next line starts.
    text: String,
    pos: usize,
    /// The line number of the next line taken from `text`.
    next_line: u64,
    /// Lines to read again (after an unclosed quote), before `text`.
    pending: VecDeque<(u64, String)>,
    /// The lines of the row being read, kept while a quoted cell is open.
    held: Vec<(u64, String)>,
    delimiter: u8,
    bytes_read: u64,
    /// Whether the decoder has replaced any bytes with U+FFFD so far.
    lossy: bool,
}

/// Where a quoted cell stands at the end of a line.
#[derive(Debug, Clone, Copy, Default)]
struct Quote {
    open: bool,
    /// The line and cell where the open quote started.
    line: u64,
    cell: usize,
}

impl<R: Read> TextSource<R> {
    fn open(
        input: R,
        head: Vec<u8>,
        eof: bool,
        label: Option<&str>,
    ) -> Result<(Self, InputFormat), RosterError> {
        let bom = Encoding::for_bom(&head);
        let encoding = match label {
            Some(label) => Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
                RosterError::Encoding {
                    label: label.to_string(),
                }
            })?,
            None => match bom {
                Some((encoding, _)) => encoding,
                None if looks_utf8(&head, eof) => encoding_rs::UTF_8,
                None => encoding_rs::GB18030,
            },
        };
        let bytes_read = head.len() as u64;
        let mut source = TextSource {
            input,
            encoding,
            decoder: encoding.new_decoder_with_bom_removal(),
            raw: head,
            eof,
            text: String::new(),
            pos: 0,
            next_line: 1,
            pending: VecDeque::new(),
            held: Vec::new(),
            delimiter: b',',
            bytes_read,
            lossy: false,
        };
        source.decode_raw()?;
        source.delimiter = source.sniff_delimiter();
        let format = InputFormat::Text {
            encoding: encoding.name(),
            bom: bom.is_some_and(|(e, _)| e == encoding),
            delimiter: char::from(source.delimiter),
        };
        Ok((source, format))
    }

    /// A tab when the first lines hold more tabs than commas (Excel's "Unicode text" is
    /// tab-separated UTF-16), else a comma.
    fn sniff_delimiter(&self) -> u8 {
        let head: String = self.text.lines().take(5).collect();
        let tabs = head.bytes().filter(|b| *b == b'\t').count();
        let commas = head.bytes().filter(|b| *b == b',').count();
        if tabs > commas { b'\t' } else { b',' }
    }

    /// Decodes `raw` into `text` (and flushes the decoder at the end of the input).
    fn decode_raw(&mut self) -> Result<(), RosterError> {
        if self.pos > 0 {
            self.text.drain(..self.pos);
            self.pos = 0;
        }
        let mut src = self.raw.as_slice();
        loop {
            let room = self
                .decoder
                .max_utf8_buffer_length(src.len())
                .unwrap_or(src.len().saturating_mul(3).saturating_add(16));
            self.text.reserve(room);
            let (result, read, replaced) =
                self.decoder.decode_to_string(src, &mut self.text, self.eof);
            self.lossy |= replaced;
            src = src.get(read..).unwrap_or_default();
            match result {
                CoderResult::InputEmpty => break,
                CoderResult::OutputFull => continue,
            }
        }
        self.raw.clear();
        Ok(())
    }

    /// Reads and decodes another block; `false` when the input had ended already.
    fn fill(&mut self) -> Result<bool, RosterError> {
        if self.eof {
            return Ok(false);
        }
        self.raw.resize(1 << 16, 0);
        let n = loop {
            match self.input.read(&mut self.raw) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_error(e)),
            }
        };
        self.raw.truncate(n);
        self.bytes_read += n as u64;
        self.eof = n == 0;
        self.decode_raw()?;
        Ok(true)
    }

    /// Moves the next physical line into `line` (without its end), with its number; `false`
    /// at the end of the input.
    fn next_line(&mut self, line: &mut String) -> Result<Option<u64>, RosterError> {
        line.clear();
        if let Some((number, text)) = self.pending.pop_front() {
            line.push_str(&text);
            return Ok(Some(number));
        }
        loop {
            let rest = self.text.get(self.pos..).unwrap_or_default();
            if let Some(at) = rest.find('\n') {
                let text = rest.get(..at).unwrap_or_default();
                line.push_str(text.strip_suffix('\r').unwrap_or(text));
                self.pos += at + 1;
                break;
            }
            if !self.fill()? {
                let rest = self.text.get(self.pos..).unwrap_or_default();
                if rest.is_empty() {
                    return Ok(None);
                }
                line.push_str(rest.strip_suffix('\r').unwrap_or(rest));
                self.pos = self.text.len();
                break;
            }
        }
        let number = self.next_line;
        self.next_line += 1;
        Ok(Some(number))
    }

    fn next_row(
        &mut self,
        row: &mut RosterRow,
        expected: Option<usize>,
    ) -> Result<bool, RosterError> {
        row.clear();
        row.lossy = self.lossy;
        self.held.clear();
        let mut line = String::new();
        let mut quote = Quote::default();
        let mut span = 0;
        loop {
            let Some(number) = self.next_line(&mut line)? else {
                if span == 0 {
                    return Ok(false);
                }
                // The end of the file inside a quoted cell.
                self.unclosed(row, quote);
                return Ok(true);
            };
            // A block decoded for this line may have had replacements.
            row.lossy |= self.lossy;
            if span == 0 {
                row.line = number;
            }
            span += 1;
            split_line(&line, self.delimiter, row, &mut quote, number);
            if quote.open {
                self.held.push((number, std::mem::take(&mut line)));
                if span >= MAX_SPAN {
                    self.unclosed(row, quote);
                    return Ok(true);
                }
                continue;
            }
            row.end_cell();
            if span > 1 && expected.is_some_and(|n| n != row.len()) {
                self.held.push((number, std::mem::take(&mut line)));
                self.unclosed(row, quote_of_row(&self.held, self.delimiter));
            }
            return Ok(true);
        }
    }

    /// Turns the row being read into an unclosed-quote row at the line where the quote opened
    /// (read with the quote as a literal character), and puts the lines after that line back
    /// to be read again.
    fn unclosed(&mut self, row: &mut RosterRow, quote: Quote) {
        let held = std::mem::take(&mut self.held);
        let at = held
            .iter()
            .position(|(number, _)| *number == quote.line)
            .unwrap_or(0);
        row.clear();
        row.lossy = self.lossy;
        for (i, (number, text)) in held.iter().enumerate().take(at + 1) {
            if i == 0 {
                row.line = *number;
            } else {
                row.text.push('\n');
            }
            for (j, cell) in text.split(char::from(self.delimiter)).enumerate() {
                if j > 0 {
                    row.end_cell();
                }
                row.text.push_str(cell);
            }
        }
        row.end_cell();
        row.unclosed = Some(quote.cell);
        for entry in held.into_iter().skip(at + 1).rev() {
            self.pending.push_front(entry);
        }
    }
}

/// Where a row's first quoted cell opened: the row's first line and the cell of the first
/// `"` that starts a cell (for a row that closed its quotes but has the wrong cell count).
fn quote_of_row(held: &[(u64, String)], delimiter: u8) -> Quote {
    let Some((line, text)) = held.first() else {
        return Quote::default();
    };
    let mut cell = 0;
    let mut at_start = true;
    for b in text.bytes() {
        if at_start && b == b'"' {
            break;
        }
        at_start = b == delimiter;
        if at_start {
            cell += 1;
        }
    }
    Quote {
        open: true,
        line: *line,
        cell,
    }
}

/// Splits one physical line into cells, appending to `row`: each cell but the last is ended;
/// the last is left open for the caller (it ends it, or a quoted cell goes on next line).
fn split_line(line: &str, delimiter: u8, row: &mut RosterRow, quote: &mut Quote, number: u64) {
    let bytes = line.as_bytes();
    let mut i = 0;
    if quote.open {
        row.text.push('\n');
    } else if !line.contains('"') {
        // The common case: no quotes at all.
        let mut cells = line.split(char::from(delimiter));
        if let Some(first) = cells.next() {
            row.text.push_str(first);
        }
        for cell in cells {
            row.end_cell();
            row.text.push_str(cell);
        }
        return;
    }
    let mut at_start = !quote.open;
    while i <= bytes.len() {
        if quote.open {
            match find(bytes, i, b'"') {
                None => {
                    row.text.push_str(line.get(i..).unwrap_or_default());
                    return;
                }
                Some(q) => {
                    row.text.push_str(line.get(i..q).unwrap_or_default());
                    if bytes.get(q + 1) == Some(&b'"') {
                        row.text.push('"');
                        i = q + 2;
                    } else {
                        quote.open = false;
                        i = q + 1;
                    }
                }
            }
            continue;
        }
        if at_start && bytes.get(i) == Some(&b'"') {
            *quote = Quote {
                open: true,
                line: number,
                cell: row.len(),
            };
            at_start = false;
            i += 1;
            continue;
        }
        // Unquoted text (or text after a closing quote) up to the next delimiter.
        match find(bytes, i, delimiter) {
            None => {
                row.text.push_str(line.get(i..).unwrap_or_default());
                return;
            }
            Some(d) => {
                row.text.push_str(line.get(i..d).unwrap_or_default());
                row.end_cell();
                i = d + 1;
                at_start = true;
            }
        }
    }
}

fn find(bytes: &[u8], from: usize, byte: u8) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|b| *b == byte)
        .map(|p| p + from)
}

/// Whether `head` is UTF-8 (a sequence cut off at the end of a partial read does not count
/// against it).
fn looks_utf8(head: &[u8], eof: bool) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => !eof && e.error_len().is_none(),
    }
}

/// A workbook sheet, read on a thread of its own.
pub(super) struct SheetSource {
    rows: mpsc::Receiver<Result<Vec<RosterRow>, String>>,
    batch: std::vec::IntoIter<RosterRow>,
    format: InputFormat,
    done: bool,
}

impl SheetSource {
    fn open<RS: Read + Seek + Send + 'static>(
        input: RS,
        kind: WorkbookKind,
        sheet: Option<&str>,
    ) -> Result<(SheetSource, InputFormat), RosterError> {
        use calamine::Reader;
        let (tx, rx) = mpsc::sync_channel(SHEET_BATCHES_AHEAD);
        let format = match kind {
            WorkbookKind::Xlsx => {
                let mut book = calamine::Xlsx::new(input).map_err(workbook_error)?;
                let name = pick_sheet(&book.sheet_names(), sheet)?;
                let format = InputFormat::Xlsx {
                    sheet: name.clone(),
                };
                std::thread::spawn(move || {
                    let result = stream_xlsx(&mut book, &name, &tx);
                    if let Err(e) = result {
                        let _ = tx.send(Err(e));
                    }
                });
                format
            }
            WorkbookKind::Xls => {
                let mut book = calamine::Xls::new(input).map_err(workbook_error)?;
                let name = pick_sheet(&book.sheet_names(), sheet)?;
                let format = InputFormat::Xls {
                    sheet: name.clone(),
                };
                std::thread::spawn(move || {
                    let result = book
                        .worksheet_range(&name)
                        .map_err(|e| e.to_string())
                        .and_then(|range| send_range(&range, &tx));
                    if let Err(e) = result {
                        let _ = tx.send(Err(e));
                    }
                });
                format
            }
        };
        Ok((
            SheetSource {
                rows: rx,
                batch: Vec::new().into_iter(),
                format: format.clone(),
                done: false,
            },
            format,
        ))
    }

    fn next_row(&mut self, row: &mut RosterRow) -> Result<bool, RosterError> {
        loop {
            if let Some(next) = self.batch.next() {
                *row = next;
                return Ok(true);
            }
            if self.done {
                return Ok(false);
            }
            match self.rows.recv() {
                Ok(Ok(batch)) => self.batch = batch.into_iter(),
                Ok(Err(reason)) => {
                    self.done = true;
                    return Err(RosterError::Workbook { reason });
                }
                Err(_) => self.done = true,
            }
        }
    }
}

fn workbook_error(e: impl std::fmt::Display) -> RosterError {
    RosterError::Workbook {
        reason: e.to_string(),
    }
}

fn pick_sheet(names: &[String], wanted: Option<&str>) -> Result<String, RosterError> {
    match wanted {
        None => names.first().cloned().ok_or_else(|| RosterError::Workbook {
            reason: "the workbook has no sheet".into(),
        }),
        Some(wanted) => names
            .iter()
            .find(|n| n.trim() == wanted.trim())
            .cloned()
            .ok_or_else(|| RosterError::NoSheet {
                sheet: wanted.to_string(),
                sheets: names.to_vec(),
            }),
    }
}

type RowSender = mpsc::SyncSender<Result<Vec<RosterRow>, String>>;

/// Sends an `.xlsx` sheet's rows as its cells stream in.
fn stream_xlsx<RS: Read + Seek>(
    book: &mut calamine::Xlsx<RS>,
    sheet: &str,
    tx: &RowSender,
) -> Result<(), String> {
    let mut cells = book
        .worksheet_cells_reader(sheet)
        .map_err(|e| e.to_string())?;
    let mut batch = Vec::with_capacity(SHEET_BATCH);
    let mut row = RosterRow::default();
    let mut current: Option<u32> = None;
    let mut text = String::new();
    while let Some(cell) = cells.next_cell().map_err(|e| e.to_string())? {
        let (r, c) = cell.get_position();
        if current != Some(r) {
            if current.is_some() {
                // The next row's buffers sized as this one's: two allocations a row, not one
                // for each doubling.
                let next = RosterRow {
                    text: String::with_capacity(row.text.len()),
                    ends: Vec::with_capacity(row.ends.len()),
                    ..RosterRow::default()
                };
                batch.push(std::mem::replace(&mut row, next));
                if batch.len() >= SHEET_BATCH && tx.send(Ok(std::mem::take(&mut batch))).is_err() {
                    return Ok(());
                }
            }
            current = Some(r);
            row.line = u64::from(r) + 1;
        }
        text.clear();
        cell_text_ref(cell.get_value(), &mut text);
        put_cell(&mut row, c as usize, &text);
    }
    if current.is_some() {
        batch.push(row);
    }
    if !batch.is_empty() {
        let _ = tx.send(Ok(batch));
    }
    Ok(())
}

/// Sends an `.xls` sheet's rows from its range.
fn send_range(range: &calamine::Range<calamine::Data>, tx: &RowSender) -> Result<(), String> {
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut batch = Vec::with_capacity(SHEET_BATCH);
    let mut text = String::new();
    for (i, cells) in range.rows().enumerate() {
        let mut row = RosterRow {
            line: u64::from(top) + i as u64 + 1,
            ..RosterRow::default()
        };
        for (j, value) in cells.iter().enumerate() {
            text.clear();
            cell_text(value, &mut text);
            put_cell(&mut row, left as usize + j, &text);
        }
        batch.push(row);
        if batch.len() >= SHEET_BATCH && tx.send(Ok(std::mem::take(&mut batch))).is_err() {
            return Ok(());
        }
    }
    if !batch.is_empty() {
        let _ = tx.send(Ok(batch));
    }
    Ok(())
}

/// Puts `text` in column `column` of `row`, padding skipped columns with empty cells.
fn put_cell(row: &mut RosterRow, column: usize, text: &str) {
    while row.len() < column {
        row.end_cell();
    }
    if row.len() == column {
        row.text.push_str(text);
        row.end_cell();
    }
}

/// A workbook cell as text: dates as `YYYY-MM-DD` (a date-time keeps its date), whole
/// numbers without a decimal point, numbers of 15 digits and more in Excel's scientific
/// notation (`4.30902198001011E+17`: what is left of an ID number saved as a number).
fn cell_text(value: &calamine::Data, out: &mut String) {
    use calamine::Data;
    match value {
        Data::Empty => {}
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => out.push_str(s),
        Data::Int(i) => out.push_str(&i.to_string()),
        Data::Float(f) => number_text(*f, out),
        Data::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        Data::DateTime(dt) => date_text(dt, out),
        Data::Error(e) => out.push_str(&format!("#{e:?}")),
    }
}

fn cell_text_ref(value: &calamine::DataRef<'_>, out: &mut String) {
    use calamine::DataRef;
    match value {
        DataRef::Empty => {}
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            out.push_str(s);
        }
        DataRef::SharedString(s) => out.push_str(s),
        DataRef::Int(i) => out.push_str(&i.to_string()),
        DataRef::Float(f) => number_text(*f, out),
        DataRef::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        DataRef::DateTime(dt) => date_text(dt, out),
        DataRef::Error(e) => out.push_str(&format!("#{e:?}")),
    }
}

fn date_text(dt: &calamine::ExcelDateTime, out: &mut String) {
    match dt.as_datetime() {
        Some(at) if dt.is_datetime() => out.push_str(&at.date().format("%Y-%m-%d").to_string()),
        _ => number_text(dt.as_f64(), out),
    }
}

fn number_text(f: f64, out: &mut String) {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        out.push_str(&format!("{f:.0}"));
    } else if f.abs() >= 1e15 {
        // Excel shows such a number as 4.30902E+17; its digits past the 15th are gone.
        out.push_str(&format!("{f:E}").replace('E', "E+").replace("E+-", "E-"));
    } else {
        out.push_str(&f.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &[u8]) -> Vec<RosterRow> {
        let (mut source, _) = Source::open(text, None, None).expect("opens");
        let mut out = Vec::new();
        let mut row = RosterRow::default();
        while source.next_row(&mut row, Some(3)).expect("reads") {
            out.push(row.clone());
        }
        out
    }

    #[test]
    fn physical_lines_count_crlf_blank_lines_and_quoted_newlines() {
        let got = rows(b"\xEF\xBB\xBFa,b,c\r\n1,2,3\r\n\r\n4,\"x\r\ny\",6\r\n7,8,9");
        let lines: Vec<u64> = got.iter().map(RosterRow::line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 6]);
        assert!(got[2].is_blank());
        assert_eq!(got[3].get(1), Some("x\ny"));
        assert_eq!(got[0].get(0), Some("a"));
    }

    #[test]
    fn an_unclosed_quote_is_reported_where_it_opened_and_reading_goes_on() {
        let got = rows(b"a,b,c\n1,2,3\n\"4,5,6\n7,8,9\n10,11,12\n");
        let lines: Vec<u64> = got.iter().map(RosterRow::line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5]);
        assert_eq!(got[2].unclosed_quote(), Some(0));
        assert_eq!(got[2].get(0), Some("\"4"));
        assert_eq!(got[3].get(2), Some("9"));
        // Closed far below, with a wrong cell count: the same.
        let got = rows(b"a,b,c\n\"1,2,3\n4,5,6\n7,\"8\",9\n");
        assert_eq!(got[1].unclosed_quote(), Some(0));
        assert_eq!(got[1].line(), 2);
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn quotes_escape_and_end_cells() {
        let got = rows(b"\"a\"\"b\",\"c,d\",e\n");
        assert_eq!(got[0].cells().collect::<Vec<_>>(), ["a\"b", "c,d", "e"]);
        let got = rows(b"x,,\n");
        assert_eq!(got[0].len(), 3);
    }

    #[test]
    fn encodings_are_detected() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,缴费日期\n张三,2020-10-15\n");
        let (_, format) = Source::open(&*gbk, None, None).expect("opens");
        assert!(
            matches!(
                format,
                InputFormat::Text {
                    encoding: "gb18030",
                    ..
                }
            ),
            "{format:?}"
        );
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "姓名\t缴费日期\n".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let (_, format) = Source::open(&*utf16, None, None).expect("opens");
        assert_eq!(
            format,
            InputFormat::Text {
                encoding: "UTF-16LE",
                bom: true,
                delimiter: '\t'
            }
        );
    }

    #[test]
    fn large_numbers_read_as_excel_shows_them() {
        let mut out = String::new();
        number_text(430902198001011234.0, &mut out);
        assert!(
            out.starts_with("4.30902198001011") && out.ends_with("E+17"),
            "{out}"
        );
        out.clear();
        number_text(44075.0, &mut out);
        assert_eq!(out, "44075");
    }
}
