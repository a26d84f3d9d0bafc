//! The table's DynamoDB Stream in the app's own terms, free of SDK types: what the stream is
//! (its ARN and view), the changes the worker's tailer reads from it, and the tailer's news.

use std::time::Duration;

use crate::error::ApiError;
use crate::wallet::{UserId, Wallet};

/// What each stream record carries (`StreamViewType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamView {
    KeysOnly,
    NewImage,
    OldImage,
    NewAndOldImages,
}

impl StreamView {
    /// Parses DynamoDB's wire spelling; `None` for one this version does not know.
    pub fn from_wire(s: &str) -> Option<Self> {
        match s {
            "KEYS_ONLY" => Some(Self::KeysOnly),
            "NEW_IMAGE" => Some(Self::NewImage),
            "OLD_IMAGE" => Some(Self::OldImage),
            "NEW_AND_OLD_IMAGES" => Some(Self::NewAndOldImages),
            _ => None,
        }
    }

    /// The wire spelling, as the status panel shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KeysOnly => "KEYS_ONLY",
            Self::NewImage => "NEW_IMAGE",
            Self::OldImage => "OLD_IMAGE",
            Self::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }

    /// Records carry the item as it is after the change; otherwise the tailer reads each
    /// changed wallet with GetItem.
    pub fn has_new_image(self) -> bool {
        matches!(self, Self::NewImage | Self::NewAndOldImages)
    }
}

/// The table's enabled stream, from DescribeTable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    /// `LatestStreamArn`.
    pub arn: String,
    pub view: StreamView,
}

/// What happened to one item (`eventName`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Insert,
    Modify,
    Remove,
}

impl ChangeKind {
    /// The wire spelling, as the feed shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Insert => "INSERT",
            Self::Modify => "MODIFY",
            Self::Remove => "REMOVE",
        }
    }
}

/// One stream record, converted.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: ChangeKind,
    pub user_id: UserId,
    /// The wallet before the change, when the stream's view has it.
    pub old: Option<Wallet>,
    /// The wallet after the change (`None` for REMOVE; for a stream without new images, read
    /// with GetItem, `None` if it is gone by then).
    pub new: Option<Wallet>,
    /// The record's sequence number within its shard.
    pub sequence: String,
    /// The wallet after the change could not be read (GetItem failed, for a stream without
    /// new images): `new` says nothing, the row is left as it is and marked for a rescan.
    pub unknown: bool,
}

/// News from the stream tailer (sent inside [`crate::msg::Response::Stream`]).
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// Every open shard has an iterator at LATEST: changes from now on will be seen.
    Opened { shards: usize },
    /// Records read since the last event (possibly none) and the stream calls made for them.
    Changes {
        changes: Vec<Change>,
        /// DescribeStream, GetShardIterator, GetRecords (and GetItem for a view without new
        /// images) calls since the last event.
        calls: u64,
        /// How old the newest record was when read (from ApproximateCreationDateTime).
        lag: Option<Duration>,
    },
    /// A shard's place was lost (its iterator expired before anything was read, or its
    /// records were trimmed): changes may have been missed, the list is read again.
    Gap,
    /// The table has no stream (answer to a tail request without one).
    NoStream,
    /// The endpoint does not implement the Streams API (dynalite): the reason.
    NoApi(String),
    /// The tail stopped: the stream was disabled, or a call failed for good.
    Ended(ApiError),
}
