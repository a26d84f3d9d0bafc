//! Import of wallets from a file: this app's CSV export, JSON Lines in DynamoDB JSON (what
//! export writes) and plain JSON lines (`{"user_id": "…", "balance": "12.50", …}`). The
//! whole file is read and validated here, before anything is written (see
//! [`crate::worker::import`] for the diff and the writes): every bad row is kept with its
//! line number and reason.
//!
//! Numbers are never read through `f64`: JSON numbers are taken as their raw text
//! (`serde_json`'s `RawValue`) and checked exactly with [`Balance::parse`]; every number is
//! kept in canonical form, so a file's wallet compares equal to the stored one.
//!
//! CSV: the header names `user_id`, `balance` and other attributes. The balance cell is a
//! number as exact text, or (as the one-column export writes a balance of another type)
//! typed DynamoDB JSON such as `{"S":"100"}`; empty means no balance. Other cells are
//! strings (a CSV does not say their types: use JSON Lines for an exact copy); empty means
//! absent.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use aws_smithy_types::base64;
use serde_json::value::RawValue;

use crate::balance::Balance;
use crate::capacity;
use crate::private;
use crate::wallet::{AttrValue, BALANCE, USER_ID};

pub mod run;

/// An item as imported: every attribute by name, numbers canonical, sets sorted.
pub type Attrs = BTreeMap<String, AttrValue>;

/// DynamoDB's largest item, in bytes.
pub const MAX_ITEM_BYTES: u64 = 400 * 1024;
/// DynamoDB's largest partition key value, in bytes.
const MAX_KEY_BYTES: usize = 2048;

/// The formats a file may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    /// One JSON object per line, DynamoDB JSON or plain (each line says which by its
    /// `user_id`: `{"S": "…"}` or a string).
    JsonLines,
}

/// One good row: a wallet to write.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based line in the file where the row starts.
    pub line: u64,
    pub user_id: String,
    pub item: Attrs,
    /// The row as it was in the file (a rejects file holds it if a later check fails).
    pub text: String,
}

/// A row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub reason: String,
    /// The row as it was in the file (for the rejects file).
    pub text: String,
}

/// A file read and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub format: Format,
    pub rows: Vec<Row>,
    pub bad: Vec<BadRow>,
    /// The CSV header line (written first in a rejects file).
    pub header: Option<String>,
}

/// The file's format: `.csv` is CSV, `.json` / `.jsonl` / `.ndjson` JSON Lines; otherwise
/// JSON Lines if its first non-blank character is `{`.
pub fn detect(path: &Path, head: &str) -> Format {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => Format::Csv,
        Some("json" | "jsonl" | "ndjson") => Format::JsonLines,
        _ if head.trim_start().starts_with('{') => Format::JsonLines,
        _ => Format::Csv,
    }
}

/// Reads and validates the whole file. `Err` only when it cannot be read at all.
pub fn read(path: &Path) -> Result<Parsed, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text = String::from_utf8(text)
        .map_err(|e| format!("{} is not UTF-8 text: {e}", path.display()))?;
    Ok(parse(detect(path, &text), &text))
}

/// Validates `text` as `format` (see [`read`]).
pub fn parse(format: Format, text: &str) -> Parsed {
    let mut parsed = match format {
        Format::Csv => parse_csv(text),
        Format::JsonLines => parse_lines(text),
    };
    check_rows(&mut parsed);
    parsed
}

/// The checks across rows and of DynamoDB's limits: a user_id twice in the file, an item
/// over 400 KB. A bad row found here leaves `rows` for `bad`, in line order.
fn check_rows(parsed: &mut Parsed) {
    let mut first: HashMap<String, u64> = HashMap::new();
    let mut good = Vec::with_capacity(parsed.rows.len());
    for row in std::mem::take(&mut parsed.rows) {
        let size = capacity::item_size(row.item.iter().map(|(n, v)| (n.as_str(), v)));
        let reason = if let Some(line) = first.get(&row.user_id) {
            Some(format!("duplicate user_id {:?}: first on line {line}", row.user_id))
        } else if size > MAX_ITEM_BYTES {
            Some(format!("item of {size} bytes: DynamoDB items are at most {MAX_ITEM_BYTES}"))
        } else {
            None
        };
        first.entry(row.user_id.clone()).or_insert(row.line);
        match reason {
            Some(reason) => parsed.bad.push(BadRow { line: row.line, reason, text: row.text }),
            None => good.push(row),
        }
    }
    parsed.rows = good;
    parsed.bad.sort_by_key(|b| b.line);
}

fn parse_lines(text: &str) -> Parsed {
    let mut parsed = Parsed { format: Format::JsonLines, rows: vec![], bad: vec![], header: None };
    for (i, line) in text.lines().enumerate() {
        let number = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        match json_row(line) {
            Ok((user_id, item)) => {
                parsed.rows.push(Row { line: number, user_id, item, text: line.into() })
            }
            Err(reason) => parsed.bad.push(BadRow { line: number, reason, text: line.into() }),
        }
    }
    parsed
}

/// One JSON line: DynamoDB JSON if its `user_id` is a typed value (`{"S": "…"}`), plain
/// JSON if it is a string.
pub fn json_row(line: &str) -> Result<(String, Attrs), String> {
    let Pairs(fields) =
        serde_json::from_str(line).map_err(|e| format!("not a JSON object: {e}"))?;
    let dynamo = match fields.iter().find(|(n, _)| n == USER_ID).map(|(_, v)| v.get().trim_start())
    {
        None => return Err(format!("missing key: no {USER_ID}")),
        Some(raw) => raw.starts_with('{'),
    };
    let mut item = Attrs::new();
    for (name, raw) in &fields {
        let value = if dynamo { typed_value(raw) } else { plain_value(raw, name == BALANCE) };
        let value = value.map_err(|e| format!("{name}: {e}"))?;
        if item.insert(name.clone(), value).is_some() {
            return Err(format!("{name} given twice"));
        }
    }
    let user_id = key_of(&item)?;
    Ok((user_id, item))
}

/// The item's user_id: a non-empty string of at most 2048 bytes; its balance, if any, a
/// number or a value of another type (kept as it is, as stored by another writer).
fn key_of(item: &Attrs) -> Result<String, String> {
    match item.get(USER_ID) {
        Some(AttrValue::S(id)) if id.is_empty() => Err(format!("{USER_ID} is empty")),
        Some(AttrValue::S(id)) if id.len() > MAX_KEY_BYTES => {
            Err(format!("{USER_ID} of {} bytes: keys are at most {MAX_KEY_BYTES}", id.len()))
        }
        Some(AttrValue::S(id)) => Ok(id.to_string()),
        Some(other) => Err(format!("{USER_ID} is {}, not a string", other.type_name())),
        None => Err(format!("missing key: no {USER_ID}")),
    }
}

/// A plain JSON value: strings, numbers (exact), booleans, null, arrays as lists, objects
/// as maps. The balance may be a number or a string holding one.
fn plain_value(raw: &RawValue, balance: bool) -> Result<AttrValue, String> {
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'"') if balance => number(&string(raw)?),
        Some(b'"') => Ok(AttrValue::S(string(raw)?.into())),
        Some(b't' | b'f' | b'n') if balance => Err(format!("not a number ({text})")),
        Some(b'[') if balance => Err("not a number (an array)".into()),
        Some(b't' | b'f') => Ok(AttrValue::Bool(text == "true")),
        Some(b'n') => Ok(AttrValue::Null),
        Some(b'[') => {
            let items: Vec<&RawValue> = from(raw)?;
            let items: Result<Vec<_>, _> =
                items.into_iter().map(|v| plain_value(v, false)).collect();
            Ok(AttrValue::L(items?.into()))
        }
        Some(b'{') if balance => Err("not a number (an object)".into()),
        Some(b'{') => {
            let Pairs(fields) = from(raw)?;
            let mut seen = std::collections::HashSet::new();
            if let Some((k, _)) = fields.iter().find(|(k, _)| !seen.insert(k.as_str())) {
                return Err(format!("{k} given twice"));
            }
            let fields: Result<Vec<_>, String> = fields
                .into_iter()
                .map(|(k, v)| Ok((k.into_boxed_str(), plain_value(v, false)?)))
                .collect();
            canonical(AttrValue::M(fields?.into()))
        }
        _ => number(text),
    }
}

/// A DynamoDB JSON value: an object with one type descriptor.
fn typed_value(raw: &RawValue) -> Result<AttrValue, String> {
    let fields: BTreeMap<String, &RawValue> =
        from(raw).map_err(|_| "not a typed value such as {\"N\": \"1\"}".to_string())?;
    let mut fields = fields.into_iter();
    let (Some((tag, value)), None) = (fields.next(), fields.next()) else {
        return Err("a typed value has exactly one type, such as {\"N\": \"1\"}".into());
    };
    let strings = |raw: &RawValue| -> Result<Vec<String>, String> {
        let items: Vec<String> = from(raw)?;
        if items.is_empty() {
            return Err(format!("{tag}: a set cannot be empty"));
        }
        Ok(items)
    };
    let value = match tag.as_str() {
        "S" => AttrValue::S(string(value)?.into()),
        "N" => number(&string(value)?)?,
        "B" => AttrValue::B(bytes(&string(value)?)?.into()),
        "BOOL" => AttrValue::Bool(from(value)?),
        "NULL" if from::<bool>(value)? => AttrValue::Null,
        "NULL" => return Err("NULL must be true".into()),
        "SS" => AttrValue::Ss(strings(value)?.into_iter().map(Into::into).collect()),
        "NS" => {
            let numbers: Result<Vec<_>, _> = strings(value)?.iter().map(|n| number(n)).collect();
            let texts = numbers?.into_iter().filter_map(|n| match n {
                AttrValue::N(text) => Some(text),
                _ => None,
            });
            AttrValue::Ns(texts.collect())
        }
        "BS" => {
            let blobs: Result<Vec<_>, _> = strings(value)?.iter().map(|b| bytes(b)).collect();
            AttrValue::Bs(blobs?.into_iter().map(Into::into).collect())
        }
        "L" => {
            let items: Vec<&RawValue> = from(value)?;
            let items: Result<Vec<_>, _> = items.into_iter().map(typed_value).collect();
            AttrValue::L(items?.into())
        }
        "M" => {
            let fields: BTreeMap<String, &RawValue> = from(value)?;
            let fields: Result<Vec<_>, String> = fields
                .into_iter()
                .map(|(k, v)| Ok((k.into_boxed_str(), typed_value(v)?)))
                .collect();
            AttrValue::M(fields?.into())
        }
        other => return Err(format!("unknown type {other:?}")),
    };
    canonical(value)
}

/// A JSON object's members in file order, a name given twice kept twice (a map would keep
/// one silently).
struct Pairs<'a>(Vec<(String, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for Pairs<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Pairs<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some(pair) = map.next_entry::<String, &'de RawValue>()? {
                    pairs.push(pair);
                }
                Ok(Pairs(pairs))
            }
        }
        d.deserialize_map(Visit)
    }
}

fn from<'a, T: serde::Deserialize<'a>>(raw: &'a RawValue) -> Result<T, String> {
    serde_json::from_str(raw.get()).map_err(|e| e.to_string())
}

fn string(raw: &RawValue) -> Result<String, String> {
    from(raw)
}

fn bytes(text: &str) -> Result<Vec<u8>, String> {
    base64::decode(text).map_err(|e| format!("not base64: {e}"))
}

/// A number DynamoDB can store, as its canonical text (`12.50` → `12.5`).
fn number(text: &str) -> Result<AttrValue, String> {
    let balance = Balance::parse(text).map_err(|e| e.to_string())?;
    Ok(AttrValue::N(balance.to_string().into()))
}

/// `value` as [`Attrs`] compare it: sets sorted, without duplicates (DynamoDB refuses
/// them); map entries sorted by name; numbers canonical.
pub fn canonical(value: AttrValue) -> Result<AttrValue, String> {
    fn set<T: Ord + Clone>(items: &[T], what: &str) -> Result<Box<[T]>, String> {
        let mut sorted = items.to_vec();
        sorted.sort();
        let len = sorted.len();
        sorted.dedup();
        if sorted.len() != len {
            return Err(format!("{what} holds the same element twice"));
        }
        Ok(sorted.into())
    }
    Ok(match value {
        AttrValue::N(n) => number(&n)?,
        AttrValue::Ss(v) => AttrValue::Ss(set(&v, "a string set")?),
        AttrValue::Bs(v) => AttrValue::Bs(set(&v, "a binary set")?),
        AttrValue::Ns(v) => {
            let numbers: Result<Vec<_>, _> = v.iter().map(|n| Balance::parse(n)).collect();
            let numbers = numbers.map_err(|e| e.to_string())?;
            let texts: Vec<String> = numbers.iter().map(Balance::to_string).collect();
            let texts: Vec<Box<str>> = texts.into_iter().map(Into::into).collect();
            AttrValue::Ns(set(&texts, "a number set")?)
        }
        AttrValue::L(v) => {
            let items: Result<Vec<_>, _> = v.into_vec().into_iter().map(canonical).collect();
            AttrValue::L(items?.into())
        }
        AttrValue::M(m) => {
            let mut fields = m.into_vec();
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            let fields: Result<Vec<_>, String> =
                fields.into_iter().map(|(k, v)| Ok((k, canonical(v)?))).collect();
            AttrValue::M(fields?.into())
        }
        other => other,
    })
}

fn parse_csv(text: &str) -> Parsed {
    // A spreadsheet's UTF-8 export may start with a byte order mark: not part of the header.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parsed = Parsed { format: Format::Csv, rows: vec![], bad: vec![], header: None };
    let mut reader =
        csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => return file_error(parsed, format!("the header is not CSV: {e}")),
        None => return file_error(parsed, "an empty file: no header".into()),
    };
    let names: Vec<String> = header.iter().map(String::from).collect();
    parsed.header = Some(csv_text(&header));
    if let Err(reason) = check_header(&names) {
        return file_error(parsed, reason);
    }
    for record in records {
        let (line, text, result) = match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                (line, csv_text(&record), csv_row(&names, &record))
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                (line, raw_line(text, line), Err(format!("not CSV: {e}")))
            }
        };
        match result {
            Ok((user_id, item)) => parsed.rows.push(Row { line, user_id, item, text }),
            Err(reason) => parsed.bad.push(BadRow { line, reason, text }),
        }
    }
    parsed
}

/// A file that cannot be read row by row: one bad "row", line 1.
fn file_error(mut parsed: Parsed, reason: String) -> Parsed {
    parsed.bad.push(BadRow { line: 1, reason, text: String::new() });
    parsed
}

fn check_header(names: &[String]) -> Result<(), String> {
    if !names.iter().any(|n| n == USER_ID) {
        return Err(format!("the header has no {USER_ID} column"));
    }
    let mut seen = std::collections::HashSet::new();
    match names.iter().find(|n| !seen.insert(n.as_str())) {
        Some(name) => Err(format!("the header names {name:?} twice")),
        None if names.iter().any(String::is_empty) => Err("the header has an empty name".into()),
        None => Ok(()),
    }
}

/// The record as one CSV line, quoted as needed.
fn csv_text(record: &csv::StringRecord) -> String {
    let mut out =
        csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(vec![]);
    let _ = out.write_record(record);
    let bytes = out.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).trim_end_matches('\n').to_string()
}

fn raw_line(text: &str, line: u64) -> String {
    text.lines().nth(line.saturating_sub(1) as usize).unwrap_or_default().to_string()
}

/// One CSV record as an item.
pub fn csv_row(names: &[String], record: &csv::StringRecord) -> Result<(String, Attrs), String> {
    if record.len() != names.len() {
        return Err(format!("{} cells, the header names {}", record.len(), names.len()));
    }
    let mut item = Attrs::new();
    for (name, cell) in names.iter().zip(record.iter()) {
        let value = match name.as_str() {
            USER_ID => AttrValue::S(cell.into()),
            _ if cell.is_empty() => continue,
            BALANCE => balance_cell(cell).map_err(|e| format!("{BALANCE}: {e}"))?,
            _ => AttrValue::S(cell.into()),
        };
        item.insert(name.clone(), value);
    }
    let user_id = key_of(&item)?;
    Ok((user_id, item))
}

/// A balance cell: a number's exact text, or another type as typed DynamoDB JSON.
fn balance_cell(cell: &str) -> Result<AttrValue, String> {
    if cell.trim_start().starts_with('{') {
        let raw: &RawValue = serde_json::from_str(cell).map_err(|e| format!("not JSON: {e}"))?;
        return typed_value(raw);
    }
    number(cell)
}

/// Writes the bad rows (after the CSV header, if any) to a new owner-only file beside
/// `source`: `NAME.rejects.EXT`, or `NAME.rejects-2.EXT`… if taken. Returns its path.
pub fn write_rejects(source: &Path, parsed: &Parsed) -> std::io::Result<PathBuf> {
    let stem = source.file_stem().and_then(|s| s.to_str()).unwrap_or("import");
    let ext = source.extension().and_then(|s| s.to_str()).unwrap_or("txt");
    for n in 1..1000 {
        let name = match n {
            1 => format!("{stem}.rejects.{ext}"),
            n => format!("{stem}.rejects-{n}.{ext}"),
        };
        let path = source.with_file_name(name);
        let file = match private::open_options().write(true).create_new(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        write_rows(file, parsed)?;
        return Ok(path);
    }
    Err(std::io::Error::other("no free name for the rejects file"))
}

fn write_rows(file: File, parsed: &Parsed) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(file);
    if let Some(header) = &parsed.header {
        writeln!(out, "{header}")?;
    }
    for bad in parsed.bad.iter().filter(|b| !b.text.is_empty()) {
        writeln!(out, "{}", bad.text)?;
    }
    out.flush()?;
    out.get_ref().sync_all()
}

#[cfg(test)]
mod tests;
