//! Domain types for wallet items, stored compactly: a million of them must fit
//! in a few hundred MB, so no row holds a map of SDK attribute values.

use std::fmt;
use std::sync::{Mutex, OnceLock};

use crate::balance::Balance;

/// A wallet's partition key. UUIDs (the normal case) take 16 bytes inline;
/// anything else another writer put there is kept as text (inline up to 22 bytes). 24 bytes
/// either way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserId {
    /// A canonical lower-case hyphenated UUID, stored as its 128 bits.
    Uuid(UuidBits),
    /// Any other string.
    Text(IdText),
}

/// The text of a [`UserId`] that is not a UUID: up to [`IdText::INLINE`] bytes kept inline
/// (no heap block to allocate, free or miss in the cache when ids are compared or copied),
/// longer ones on the heap. Compares, hashes and prints as its text.
/// Made only from a `&str` (its representation is private: the inline bytes are always
/// a whole string's).
#[derive(Clone)]
pub struct IdText(IdRepr);

#[derive(Clone)]
enum IdRepr {
    Inline { len: u8, bytes: [u8; IdText::INLINE] },
    Heap(Box<str>),
}

impl IdText {
    /// The longest text kept inline (a [`UserId`] stays 24 bytes).
    pub const INLINE: usize = 22;

    /// Whether the text is kept inline (no heap block).
    pub fn is_inline(&self) -> bool {
        matches!(self.0, IdRepr::Inline { .. })
    }
}

impl From<&str> for IdText {
    fn from(text: &str) -> Self {
        if text.len() > IdText::INLINE {
            return IdText(IdRepr::Heap(text.into()));
        }
        let mut bytes = [0; IdText::INLINE];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        IdText(IdRepr::Inline { len: text.len() as u8, bytes })
    }
}

impl std::ops::Deref for IdText {
    type Target = str;

    fn deref(&self) -> &str {
        match &self.0 {
            // SAFETY: inline bytes are only ever copied whole from a `&str` (`From<&str>`,
            // the only constructor: the representation is private), `len` its length.
            IdRepr::Inline { len, bytes } => unsafe {
                std::str::from_utf8_unchecked(&bytes[..usize::from(*len)])
            },
            IdRepr::Heap(text) => text,
        }
    }
}

impl PartialEq for IdText {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for IdText {}

impl std::hash::Hash for IdText {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl Ord for IdText {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl PartialOrd for IdText {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Debug for IdText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A UUID's 128 bits, aligned to 8 bytes rather than the 16 of a `u128`: a [`UserId`] takes 24
/// bytes instead of 32, and a [`Wallet`] 64 instead of 96 (a million wallets are loaded).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(C, packed(8))]
pub struct UuidBits(u128);

impl UuidBits {
    /// The 128 bits.
    pub fn get(self) -> u128 {
        self.0
    }
}

impl fmt::Debug for UuidBits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.get())
    }
}

impl UserId {
    /// Keeps the exact text: only a string that prints back identically is packed.
    pub fn new(text: &str) -> Self {
        if text.len() == uuid::fmt::Hyphenated::LENGTH
            && let Ok(id) = uuid::Uuid::try_parse(text)
        {
            let mut buf = uuid::Uuid::encode_buffer();
            if id.hyphenated().encode_lower(&mut buf) == text {
                return UserId::Uuid(UuidBits(id.as_u128()));
            }
        }
        UserId::Text(text.into())
    }

    /// The string stored in DynamoDB.
    pub fn to_text(&self) -> String {
        self.to_string()
    }
}

/// Text order, as DynamoDB and a user see it. Packed UUIDs compare as numbers,
/// which is the same order as their lower-case hex text.
impl Ord for UserId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (UserId::Uuid(a), UserId::Uuid(b)) => a.cmp(b),
            (UserId::Text(a), UserId::Text(b)) => a.cmp(b),
            _ => self.to_text().cmp(&other.to_text()),
        }
    }
}

impl PartialOrd for UserId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl UserId {
    /// Calls `f` with the id's text without allocating for packed UUIDs.
    pub fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match self {
            UserId::Uuid(bits) => {
                let mut buf = uuid::Uuid::encode_buffer();
                f(uuid::Uuid::from_u128(bits.get()).hyphenated().encode_lower(&mut buf))
            }
            UserId::Text(text) => f(text),
        }
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserId::Uuid(bits) => uuid::Uuid::from_u128(bits.get()).hyphenated().fmt(f),
            UserId::Text(text) => f.write_str(text),
        }
    }
}

/// A DynamoDB attribute value, kept in its exact wire form (serialized in the journal when a
/// write's condition compares with one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AttrValue {
    /// S
    S(Box<str>),
    /// N, as DynamoDB's exact decimal text.
    N(Box<str>),
    /// B, raw bytes.
    B(Box<[u8]>),
    /// BOOL
    Bool(bool),
    /// NULL
    Null,
    /// SS
    Ss(Box<[Box<str>]>),
    /// NS, exact decimal texts.
    Ns(Box<[Box<str>]>),
    /// BS
    Bs(Box<[Box<[u8]>]>),
    /// L
    L(Box<[AttrValue]>),
    /// M, in the order received.
    M(Box<[(Box<str>, AttrValue)]>),
}

impl AttrValue {
    /// The DynamoDB type descriptor: "S", "N", "BOOL", ...
    pub fn type_name(&self) -> &'static str {
        match self {
            AttrValue::S(_) => "S",
            AttrValue::N(_) => "N",
            AttrValue::B(_) => "B",
            AttrValue::Bool(_) => "BOOL",
            AttrValue::Null => "NULL",
            AttrValue::Ss(_) => "SS",
            AttrValue::Ns(_) => "NS",
            AttrValue::Bs(_) => "BS",
            AttrValue::L(_) => "L",
            AttrValue::M(_) => "M",
        }
    }
}

/// One wallet item. `balance` is `None` when the item has no numeric
/// `balance` (another writer's data is shown, never "fixed").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wallet {
    pub user_id: UserId,
    pub balance: Option<Balance>,
    /// Every other attribute, packed.
    pub extra: Extras,
}

impl Wallet {
    /// The value of another attribute by name.
    pub fn attr(&self, name: &str) -> Option<AttrValue> {
        self.extra.get(name)
    }
}

/// A wallet's other attributes (`currency`, `updated_at`, ...) packed into one
/// byte buffer: one allocation per wallet instead of one per name and value.
/// Only the rows on screen are ever unpacked.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Extras(Box<[u8]>);

mod tag {
    pub const S: u8 = 0;
    pub const N: u8 = 1;
    pub const B: u8 = 2;
    pub const FALSE: u8 = 3;
    pub const TRUE: u8 = 4;
    pub const NULL: u8 = 5;
    pub const SS: u8 = 6;
    pub const NS: u8 = 7;
    pub const BS: u8 = 8;
    pub const L: u8 = 9;
    pub const M: u8 = 10;
}

/// Packs attributes one by one, without building [`AttrValue`]s for the
/// common scalar cases (scans convert millions of items).
#[derive(Debug, Default)]
pub struct ExtrasBuilder(Vec<u8>);

impl ExtrasBuilder {
    /// A builder with room for `bytes` of packed attributes.
    pub fn with_capacity(bytes: usize) -> Self {
        ExtrasBuilder(Vec::with_capacity(bytes))
    }

    /// A string attribute.
    pub fn string(&mut self, name: &str, value: &str) {
        put_name(&mut self.0, name);
        self.0.push(tag::S);
        put_bytes(&mut self.0, value.as_bytes());
    }

    /// A number attribute, as its exact text.
    pub fn number(&mut self, name: &str, value: &str) {
        put_name(&mut self.0, name);
        self.0.push(tag::N);
        put_bytes(&mut self.0, value.as_bytes());
    }

    /// Any attribute.
    pub fn value(&mut self, name: &str, value: &AttrValue) {
        put_name(&mut self.0, name);
        put_value(&mut self.0, value);
    }

    /// The packed attributes, in the order they were added. Allocated at their exact size:
    /// shrinking the builder's buffer in place would keep its whole block (16 bytes more
    /// per wallet with glibc).
    pub fn finish(self) -> Extras {
        if self.0.len() == self.0.capacity() {
            return Extras(self.0.into_boxed_slice());
        }
        Extras(self.0.as_slice().into())
    }
}

impl Extras {
    /// Packs attributes, in the order given (callers sort them by name).
    pub fn new<'a>(attrs: impl IntoIterator<Item = (&'a str, &'a AttrValue)>) -> Self {
        let mut builder = ExtrasBuilder::default();
        attrs.into_iter().for_each(|(name, value)| builder.value(name, value));
        builder.finish()
    }

    /// True when the wallet has no other attribute.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Unpacks every attribute.
    pub fn iter(&self) -> impl Iterator<Item = (&str, AttrValue)> {
        let mut reader = Reader(&self.0);
        std::iter::from_fn(move || {
            let name = reader.name()?;
            let value = reader.value()?;
            Some((name, value))
        })
    }

    /// The attribute names only.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let mut reader = Reader(&self.0);
        std::iter::from_fn(move || {
            let name = reader.name()?;
            reader.skip_value()?;
            Some(name)
        })
    }

    /// A string attribute's text by name, without unpacking anything (`None` when the
    /// attribute is missing or not a string).
    pub fn text(&self, wanted: &str) -> Option<&str> {
        let mut reader = Reader(&self.0);
        loop {
            let name = reader.name()?;
            if name == wanted {
                return match reader.byte()? {
                    tag::S => reader.text(),
                    _ => None,
                };
            }
            reader.skip_value()?;
        }
    }

    /// One attribute by name.
    pub fn get(&self, wanted: &str) -> Option<AttrValue> {
        let mut reader = Reader(&self.0);
        loop {
            let name = reader.name()?;
            if name == wanted {
                return reader.value();
            }
            reader.skip_value()?;
        }
    }
}

impl fmt::Debug for Extras {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Attribute names are few and repeat on every wallet ("currency", "updated_at"): the first
/// [`MAX_NAMES`] names (up to [`MAX_NAME_LEN`] bytes) are kept once for the process and a
/// wallet holds a one- or two-byte number for each, 16 bytes less per demo wallet.
const MAX_NAMES: usize = 1024;
const MAX_NAME_LEN: usize = 64;

/// The names kept once: a name's number is its slot. Slots are filled in order and never
/// change, so reading one needs no lock.
static NAMES: [OnceLock<Box<str>>; MAX_NAMES] = [const { OnceLock::new() }; MAX_NAMES];
/// Name to slot, for packing (conversions run on the worker's threads).
static NAME_SLOTS: Mutex<Option<hashbrown::HashMap<Box<str>, u16>>> = Mutex::new(None);

/// The name's slot, taking the next free one for a new name while there is one. A name is
/// always packed the same way in a process (once the slots are full they stay full), so
/// packed buffers compare equal when their attributes are.
fn name_slot(name: &str) -> Option<u16> {
    if name.len() > MAX_NAME_LEN {
        return None;
    }
    let mut slots = NAME_SLOTS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let slots = slots.get_or_insert_with(Default::default);
    if let Some(&slot) = slots.get(name) {
        return Some(slot);
    }
    let slot = slots.len();
    if slot >= MAX_NAMES {
        return None;
    }
    NAMES[slot].get_or_init(|| name.into());
    slots.insert(name.into(), slot as u16);
    Some(slot as u16)
}

/// A name as a number: odd for a slot (`slot * 2 + 1`), even for a name kept inline
/// (`length * 2`, the bytes follow).
fn put_name(out: &mut Vec<u8>, name: &str) {
    match name_slot(name) {
        Some(slot) => put_len(out, usize::from(slot) * 2 + 1),
        None => {
            put_len(out, name.len() * 2);
            out.extend_from_slice(name.as_bytes());
        }
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_len(out, bytes.len());
    out.extend_from_slice(bytes);
}

fn put_value(out: &mut Vec<u8>, value: &AttrValue) {
    let texts = |out: &mut Vec<u8>, tag: u8, items: &[Box<str>]| {
        out.push(tag);
        put_len(out, items.len());
        items.iter().for_each(|s| put_bytes(out, s.as_bytes()));
    };
    match value {
        AttrValue::S(s) => {
            out.push(tag::S);
            put_bytes(out, s.as_bytes());
        }
        AttrValue::N(n) => {
            out.push(tag::N);
            put_bytes(out, n.as_bytes());
        }
        AttrValue::B(b) => {
            out.push(tag::B);
            put_bytes(out, b);
        }
        AttrValue::Bool(b) => out.push(if *b { tag::TRUE } else { tag::FALSE }),
        AttrValue::Null => out.push(tag::NULL),
        AttrValue::Ss(items) => texts(out, tag::SS, items),
        AttrValue::Ns(items) => texts(out, tag::NS, items),
        AttrValue::Bs(items) => {
            out.push(tag::BS);
            put_len(out, items.len());
            items.iter().for_each(|b| put_bytes(out, b));
        }
        AttrValue::L(items) => {
            out.push(tag::L);
            put_len(out, items.len());
            items.iter().for_each(|v| put_value(out, v));
        }
        AttrValue::M(entries) => {
            out.push(tag::M);
            put_len(out, entries.len());
            for (name, v) in entries.iter() {
                put_bytes(out, name.as_bytes());
                put_value(out, v);
            }
        }
    }
}

/// Reads what `put_*` wrote. Returns `None` at the end (or on a malformed
/// buffer, which only this module can produce).
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    fn len(&mut self) -> Option<usize> {
        let mut n = 0usize;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.len()?;
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn text(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    /// An attribute name, as `put_name` wrote it.
    fn name(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        if n % 2 == 1 {
            return NAMES.get(n / 2)?.get().map(|name| &**name);
        }
        let n = n / 2;
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        std::str::from_utf8(head).ok()
    }

    fn texts(&mut self) -> Option<Box<[Box<str>]>> {
        let n = self.len()?;
        (0..n).map(|_| self.text().map(Into::into)).collect()
    }

    fn value(&mut self) -> Option<AttrValue> {
        Some(match self.byte()? {
            tag::S => AttrValue::S(self.text()?.into()),
            tag::N => AttrValue::N(self.text()?.into()),
            tag::B => AttrValue::B(self.bytes()?.into()),
            tag::FALSE => AttrValue::Bool(false),
            tag::TRUE => AttrValue::Bool(true),
            tag::NULL => AttrValue::Null,
            tag::SS => AttrValue::Ss(self.texts()?),
            tag::NS => AttrValue::Ns(self.texts()?),
            tag::BS => {
                let n = self.len()?;
                AttrValue::Bs((0..n).map(|_| self.bytes().map(Into::into)).collect::<Option<_>>()?)
            }
            tag::L => {
                let n = self.len()?;
                AttrValue::L((0..n).map(|_| self.value()).collect::<Option<_>>()?)
            }
            tag::M => {
                let n = self.len()?;
                let entries = (0..n)
                    .map(|_| Some((self.text()?.into(), self.value()?)))
                    .collect::<Option<_>>()?;
                AttrValue::M(entries)
            }
            _ => return None,
        })
    }

    /// Steps over a value without building it (scans and column counts step over millions).
    fn skip_value(&mut self) -> Option<()> {
        match self.byte()? {
            tag::S | tag::N | tag::B => self.bytes().map(drop),
            tag::FALSE | tag::TRUE | tag::NULL => Some(()),
            tag::SS | tag::NS | tag::BS => {
                let n = self.len()?;
                (0..n).try_for_each(|_| self.bytes().map(drop))
            }
            tag::L => {
                let n = self.len()?;
                (0..n).try_for_each(|_| self.skip_value())
            }
            tag::M => {
                let n = self.len()?;
                (0..n).try_for_each(|_| self.bytes().and_then(|_| self.skip_value()))
            }
            _ => None,
        }
    }
}

/// Attribute names of the wallet schema.
pub const USER_ID: &str = "user_id";
pub const BALANCE: &str = "balance";
/// The default name of the attribute holding a wallet's currency (`--currency-attribute`).
pub const CURRENCY: &str = "currency";

#[cfg(test)]
mod tests;
