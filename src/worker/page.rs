//! Scan and Query pages read by the app straight from DynamoDB's JSON answer.
//!
//! The SDK reads every item of a page into a `HashMap<String, AttributeValue>`: a string per
//! name and per value, a map per item. In a full load of a big table that is most of the
//! client's CPU, and on one machine DynamoDB Local competes with it for the cores. So a scan's
//! and a query's calls carry a [`PageReader`]: an interceptor that takes the body of a
//! successful answer, reads its `Items` array itself, straight into [`Wallet`]s, and hands the
//! SDK the rest of the body (`Count`, `ScannedCount`, `LastEvaluatedKey`, `ConsumedCapacity`),
//! which the SDK reads as usual. A body the reader does not take (not an object, an item or a
//! type it does not know) goes to the SDK as it came, and the caller converts the SDK's items
//! ([`Page::from_items`]): the wallets are the same either way.

use std::borrow::Cow;
use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::base64;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use http_body::{Body, Frame};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::item::{Item, ItemAttrs, ItemValue, attrs_size, sdk_attrs, wallet_from_attrs};
use crate::wallet::{AttrValue, Wallet};

/// One page's items as the app keeps them.
#[derive(Debug, Default, PartialEq)]
pub struct Page {
    /// The items that are wallets (a string `user_id`), in the order read.
    pub wallets: Vec<Wallet>,
    /// Items that are not wallets.
    pub skipped: u64,
    /// The size DynamoDB gives the page's items, for capacity units.
    pub bytes: u64,
}

impl Page {
    /// The page from the items the SDK read (when the reader did not take the body).
    pub fn from_items(items: &[Item]) -> Page {
        let mut page = Page { wallets: Vec::with_capacity(items.len()), ..Page::default() };
        for item in items {
            page.add(&mut sdk_attrs(item));
        }
        page
    }

    /// Items in the page.
    pub fn items(&self) -> u64 {
        self.wallets.len() as u64 + self.skipped
    }

    fn add(&mut self, attrs: &mut ItemAttrs<'_>) {
        self.bytes += attrs_size(attrs);
        match wallet_from_attrs(attrs) {
            Some(wallet) => self.wallets.push(wallet),
            None => self.skipped += 1,
        }
    }
}

/// Reads one call's page (give each call its own, as an operation interceptor); after the
/// call, [`PageReader::take`] has the page if the reader read it.
#[derive(Debug, Clone, Default)]
pub struct PageReader {
    page: Arc<Mutex<Option<Page>>>,
}

impl PageReader {
    /// The page the last attempt of the call read, if the reader took its body.
    pub fn take(&self) -> Option<Page> {
        self.page.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl Intercept for PageReader {
    fn name(&self) -> &'static str {
        "PageReader"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // A retried call: an earlier attempt's page is not the answer.
        self.take();
        let response = context.response_mut();
        if response.status().as_u16() == 200 {
            let inner = std::mem::replace(response.body_mut(), SdkBody::taken());
            let body = ReadItems { inner, read: Vec::new(), page: self.page.clone(), done: false };
            *response.body_mut() = SdkBody::from_body_1_x(body);
        }
        Ok(())
    }
}

/// A response body that reads the page when the whole body has come, and then yields the
/// body without its items (or as it came, if the page could not be read).
struct ReadItems {
    inner: SdkBody,
    read: Vec<u8>,
    page: Arc<Mutex<Option<Page>>>,
    done: bool,
}

impl Body for ReadItems {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            match ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        this.read.extend_from_slice(data);
                    }
                }
                Some(Err(err)) => return Poll::Ready(Some(Err(err))),
                None => {
                    this.done = true;
                    let body = std::mem::take(&mut this.read);
                    let rest = match read_page(&body) {
                        Some((page, rest)) => {
                            *this.page.lock().unwrap_or_else(PoisonError::into_inner) = Some(page);
                            rest
                        }
                        None => body,
                    };
                    return Poll::Ready(Some(Ok(Frame::data(Bytes::from(rest)))));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

/// Reads a Scan or Query answer's items; `None` if it is not one this reader knows. With the
/// page, the answer without its `Items` (every other member as it came), for the SDK.
pub fn read_page(body: &[u8]) -> Option<(Page, Vec<u8>)> {
    let text = std::str::from_utf8(body).ok()?;
    let mut rest = Vec::with_capacity(256);
    let mut de = serde_json::Deserializer::from_str(text);
    let page = Answer { rest: &mut rest }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some((page?, rest))
}

/// The answer's members: `Items` read into a page, the others copied to `rest` as they are.
/// `None` without `Items`.
struct Answer<'r> {
    rest: &'r mut Vec<u8>,
}

impl<'de> DeserializeSeed<'de> for Answer<'_> {
    type Value = Option<Page>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Answer<'_> {
    type Value = Option<Page>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Scan or Query answer")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut page = None;
        self.rest.push(b'{');
        while let Some(Str(name)) = map.next_key()? {
            if name == "Items" {
                if page.is_some() {
                    return Err(de::Error::duplicate_field("Items"));
                }
                page = Some(map.next_value_seed(Items)?);
                continue;
            }
            let value: &serde_json::value::RawValue = map.next_value()?;
            if self.rest.len() > 1 {
                self.rest.push(b',');
            }
            serde_json::to_writer(&mut *self.rest, &name).map_err(de::Error::custom)?;
            self.rest.push(b':');
            self.rest.extend_from_slice(value.get().as_bytes());
        }
        self.rest.push(b'}');
        Ok(page)
    }
}

/// The `Items` array, each item read into the page.
struct Items;

impl<'de> DeserializeSeed<'de> for Items {
    type Value = Page;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Page, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items {
    type Value = Page;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Page, A::Error> {
        let mut page =
            Page { wallets: Vec::with_capacity(seq.size_hint().unwrap_or(0)), ..Page::default() };
        // One buffer for every item's attributes: no allocation per item but the wallet's.
        let mut attrs = Vec::new();
        while seq.next_element_seed(ItemSeed { attrs: &mut attrs })?.is_some() {
            page.add(&mut attrs);
        }
        Ok(page)
    }
}

/// One item, its attributes read into `attrs`.
struct ItemSeed<'a, 'de> {
    attrs: &'a mut Vec<(Cow<'de, str>, ItemValue<'de>)>,
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an item")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.attrs.clear();
        while let Some(Str(name)) = map.next_key()? {
            let Typed(value) = map.next_value()?;
            set(self.attrs, name, value);
        }
        Ok(())
    }
}

/// A string, borrowed from the body unless it had escapes.
struct Str<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A value in DynamoDB's JSON: an object with exactly one member, its type.
struct Typed<'de>(ItemValue<'de>);

impl<'de> de::Deserialize<'de> for Typed<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Typed<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a typed value such as {\"N\": \"1\"}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Typed<'de>, A::Error> {
                let Some(Str(tag)) = map.next_key()? else {
                    return Err(de::Error::custom("a value without a type"));
                };
                let value = match &*tag {
                    "S" => ItemValue::S(map.next_value::<Str>()?.0),
                    "N" => ItemValue::N(map.next_value::<Str>()?.0),
                    "B" => ItemValue::Other(AttrValue::B(blob(map.next_value()?)?.into())),
                    "BOOL" => ItemValue::Other(AttrValue::Bool(map.next_value()?)),
                    "NULL" => {
                        // Any boolean, as the SDK takes it (DynamoDB sends `true`).
                        map.next_value::<bool>()?;
                        ItemValue::Other(AttrValue::Null)
                    }
                    "SS" => ItemValue::Other(AttrValue::Ss(texts(map.next_value()?))),
                    "NS" => ItemValue::Other(AttrValue::Ns(texts(map.next_value()?))),
                    "BS" => {
                        let blobs: Vec<Str> = map.next_value()?;
                        let blobs: Result<Vec<_>, _> =
                            blobs.into_iter().map(|b| blob(b).map(Into::into)).collect();
                        ItemValue::Other(AttrValue::Bs(blobs?.into()))
                    }
                    "L" => {
                        let items: Vec<Typed> = map.next_value()?;
                        ItemValue::Other(AttrValue::L(items.into_iter().map(owned).collect()))
                    }
                    "M" => {
                        let Members(mut members) = map.next_value()?;
                        // In name order, as the SDK's maps are shown.
                        members.sort_by(|a, b| a.0.cmp(&b.0));
                        ItemValue::Other(AttrValue::M(members.into()))
                    }
                    // A type newer than this reader: the SDK reads the body.
                    other => return Err(de::Error::unknown_variant(other, &[])),
                };
                if map.next_key::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom("a value with two types"));
                }
                Ok(Typed(value))
            }
        }
        d.deserialize_map(V)
    }
}

/// An `M` value's members.
struct Members(Vec<(Box<str>, AttrValue)>);

impl<'de> de::Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of typed values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(Str(name)) = map.next_key()? {
                    let Typed(value) = map.next_value()?;
                    set(&mut members, name.into(), owned(Typed(value)));
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(V)
    }
}

/// Sets `name` to `value`: a name given twice keeps its last value, as the SDK's maps do.
fn set<N: PartialEq, V>(members: &mut Vec<(N, V)>, name: N, value: V) {
    match members.iter_mut().find(|(n, _)| *n == name) {
        Some(member) => member.1 = value,
        None => members.push((name, value)),
    }
}

fn owned(Typed(value): Typed) -> AttrValue {
    match value {
        ItemValue::S(s) => AttrValue::S(s.into()),
        ItemValue::N(n) => AttrValue::N(n.into()),
        ItemValue::Other(other) => other,
    }
}

fn texts(items: Vec<Str>) -> Box<[Box<str>]> {
    items.into_iter().map(|Str(s)| s.into()).collect()
}

fn blob<E: de::Error>(Str(text): Str) -> Result<Vec<u8>, E> {
    base64::decode(&*text).map_err(|e| E::custom(format!("not base64: {e}")))
}

#[cfg(test)]
mod tests;
