//! Bucket folders stay the declared buckets' contents, both ways. A declared bucket lives in
//! the local AWS services (so handlers reach it with the S3 API); its folder under the run's
//! buckets folder mirrors it: a file written there becomes the object (and so fires the
//! bucket's notifications, as an upload would), a file removed deletes it, and an object a
//! handler or any S3 client puts or deletes appears in or leaves the folder.
//!
//! The two sides are kept equal by one task that applies every change in order: the folder's
//! (from the bucket folder watcher) and the buckets' (S3's own event notifications, into one
//! queue). A change each side makes comes back from the other as an echo; a record of what was
//! last made equal (each key's ETag in the bucket and MD5 of the file) tells an echo from a
//! change, so nothing is written twice and no trigger fires twice. The record is kept in
//! `.functory/local/aws/bucket-folders.json`, so a run that starts after the folder changed
//! (a file added, edited or removed while nothing ran) brings the bucket up to the folder, and
//! one whose bucket holds objects the folder lacks brings them into it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_sdk_s3::primitives::ByteStream;
use functory_local::triggers::storage::{BucketWatcher, FolderListener, is_editor_temporary};
use md5::{Digest, Md5};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::mpsc;

use super::aws_triggers::{Pollers, delivery_queue, receive_notifications, said};

/// The queue every declared bucket sends its object events to for the folders.
const MIRROR_QUEUE: &str = "functory-bucket-folders";

/// The notification entry each declared bucket gets for its folder.
pub(super) const MIRROR_CONFIGURATION_ID: &str = "functory-bucket-folder";

/// What the folder is called in the record and on disk, with the bucket's name in the services.
#[derive(Debug, Clone)]
pub(super) struct MirroredBucket {
    /// The resource's name: the folder's.
    pub name: String,
    /// The bucket's physical name.
    pub bucket: String,
}

/// One key as last made equal on both sides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Synced {
    /// The object's ETag (unquoted).
    etag: String,
    /// The file's MD5, hex.
    md5: String,
}

/// Per folder name, per key.
type Record = BTreeMap<String, BTreeMap<String, Synced>>;

/// A change on one side.
#[derive(Debug)]
enum Change {
    /// A file of folder `name` was put or removed.
    Folder {
        name: String,
        key: String,
        removed: bool,
    },
    /// An object of bucket `bucket` (physical) was put or deleted.
    Bucket {
        bucket: String,
        key: String,
        etag: Option<String>,
        removed: bool,
    },
}

/// A running mirror; dropping it stops watching and polling.
pub(super) struct BucketMirror {
    _watcher: BucketWatcher,
    _tasks: Pollers,
    /// The queue the buckets' notifications for the folders go to.
    pub queue_arn: String,
}

impl std::fmt::Debug for BucketMirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BucketMirror")
            .field("queue_arn", &self.queue_arn)
            .finish_non_exhaustive()
    }
}

/// The side that applies changes.
struct Mirror {
    s3: aws_sdk_s3::Client,
    buckets_dir: PathBuf,
    /// Where downloads are written before they are moved into a folder (outside the folders,
    /// so a half-written file is never seen as an upload).
    staging_dir: PathBuf,
    record_path: PathBuf,
    record: Record,
    /// Folder name → bucket, and back.
    by_name: HashMap<String, String>,
    by_bucket: HashMap<String, String>,
}

/// Where the record is kept.
pub(super) fn record_path(data_dir: &Path) -> PathBuf {
    data_dir.join("aws").join("bucket-folders.json")
}

/// Brings `buckets` and their folders level (see the module's comment), then keeps them so.
/// Each bucket's notifications are cleared first, so bringing them level fires nothing (the
/// caller sets them again, with the mirror's entry, once this returns). Must be called inside
/// a Tokio runtime.
pub(super) async fn start(
    config: &aws_config::SdkConfig,
    buckets: Vec<MirroredBucket>,
    data_dir: &Path,
    buckets_dir: &Path,
) -> Result<BucketMirror, String> {
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    );
    let sqs = aws_sdk_sqs::Client::new(config);
    let record_path = record_path(data_dir);
    let record: Record = std::fs::read(&record_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let mut mirror = Mirror {
        s3,
        buckets_dir: buckets_dir.to_owned(),
        staging_dir: data_dir.join("aws").join("bucket-folders-staging"),
        record_path,
        record,
        by_name: buckets
            .iter()
            .map(|b| (b.name.clone(), b.bucket.clone()))
            .collect(),
        by_bucket: buckets
            .iter()
            .map(|b| (b.bucket.clone(), b.name.clone()))
            .collect(),
    };
    std::fs::create_dir_all(&mirror.staging_dir)
        .map_err(|e| format!("{}: {e}", mirror.staging_dir.display()))?;
    for bucket in &buckets {
        mirror
            .s3
            .put_bucket_notification_configuration()
            .bucket(&bucket.bucket)
            .notification_configuration(
                aws_sdk_s3::types::NotificationConfiguration::builder().build(),
            )
            .send()
            .await
            .map_err(|e| format!("bucket `{}`: {}", bucket.bucket, said(&e)))?;
        mirror.level(bucket).await?;
    }
    mirror.save();
    let (_, queue_arn) = delivery_queue(&sqs, MIRROR_QUEUE, "s3.amazonaws.com", "arn:aws:s3:::*")
        .await
        .map_err(|e| format!("the bucket folders' queue: {e}"))?;
    let queue_url = sqs
        .get_queue_url()
        .queue_name(MIRROR_QUEUE)
        .send()
        .await
        .map_err(|e| format!("the bucket folders' queue: {}", said(&e)))?
        .queue_url
        .unwrap_or_default();
    // Events of an earlier run are about objects this run has just brought level.
    let _ = sqs.purge_queue().queue_url(&queue_url).send().await;

    let (changes, received) = mpsc::unbounded_channel();
    let names: Vec<String> = buckets.iter().map(|b| b.name.clone()).collect();
    let watcher = BucketWatcher::watch(
        buckets_dir,
        &names,
        Arc::new(FolderChanges(changes.clone())),
    )
    .map_err(|e| format!("the bucket folders cannot be watched: {e}"))?;
    let tasks = vec![
        tokio::spawn(apply(mirror, received)),
        tokio::spawn(poll(sqs, queue_url, changes)),
    ];
    Ok(BucketMirror {
        _watcher: watcher,
        _tasks: Pollers::of(tasks),
        queue_arn,
    })
}

/// The folder watcher's side: every put and removal, in order.
struct FolderChanges(mpsc::UnboundedSender<Change>);

impl FolderListener for FolderChanges {
    fn changed(&self, bucket: &str, key: &str, _path: &Path, event_name: &str) {
        let _ = self.0.send(Change::Folder {
            name: bucket.to_owned(),
            key: key.to_owned(),
            removed: event_name.starts_with("ObjectRemoved"),
        });
    }
}

/// The buckets' side: S3's event notifications from the mirror's queue.
async fn poll(sqs: aws_sdk_sqs::Client, url: String, changes: mpsc::UnboundedSender<Change>) {
    loop {
        for message in receive_notifications(&sqs, &url).await {
            for change in bucket_changes(message.body.as_deref().unwrap_or_default()) {
                if changes.send(change).is_err() {
                    return;
                }
            }
            if let Some(handle) = &message.receipt_handle {
                let _ = sqs
                    .delete_message()
                    .queue_url(&url)
                    .receipt_handle(handle)
                    .send()
                    .await;
            }
        }
    }
}

/// The object changes an S3 event notification tells of (none for its test event).
fn bucket_changes(body: &str) -> Vec<Change> {
    let Ok(event) = serde_json::from_str::<Value>(body) else {
        return Vec::new();
    };
    let Some(records) = event["Records"].as_array() else {
        return Vec::new();
    };
    records
        .iter()
        .filter_map(|record| {
            let name = record["eventName"].as_str()?;
            let removed = name.starts_with("ObjectRemoved");
            if !removed && !name.starts_with("ObjectCreated") {
                return None;
            }
            Some(Change::Bucket {
                bucket: record["s3"]["bucket"]["name"].as_str()?.to_owned(),
                key: functory_formats::events::s3_event_key(
                    record["s3"]["object"]["key"].as_str()?,
                ),
                etag: record["s3"]["object"]["eTag"]
                    .as_str()
                    .map(|e| e.trim_matches('"').to_owned()),
                removed,
            })
        })
        .collect()
}

/// Applies changes one at a time, in the order they happened, and keeps the record on disk
/// after each burst.
async fn apply(mut mirror: Mirror, mut received: mpsc::UnboundedReceiver<Change>) {
    while let Some(change) = received.recv().await {
        mirror.apply(change).await;
        while let Ok(change) = received.try_recv() {
            mirror.apply(change).await;
        }
        mirror.save();
    }
}

fn md5_hex(bytes: &[u8]) -> String {
    format!("{:x}", Md5::digest(bytes))
}

/// Whether an object key can be a file under a folder: no empty, `.` or `..` part (S3 allows
/// them; a folder cannot hold them).
fn is_file_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('/')
        && key
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

impl Mirror {
    fn folder(&self, name: &str) -> PathBuf {
        self.buckets_dir.join(name)
    }

    fn synced(&self, name: &str, key: &str) -> Option<&Synced> {
        self.record.get(name)?.get(key)
    }

    async fn apply(&mut self, change: Change) {
        let outcome = match change {
            Change::Folder { name, key, removed } => {
                let Some(bucket) = self.by_name.get(&name).cloned() else {
                    return;
                };
                if removed {
                    self.folder_removed(&name, &bucket, &key).await
                } else {
                    self.folder_put(&name, &bucket, &key).await
                }
            }
            Change::Bucket {
                bucket,
                key,
                etag,
                removed,
            } => {
                let Some(name) = self.by_bucket.get(&bucket).cloned() else {
                    return;
                };
                if removed {
                    self.bucket_removed(&name, &key)
                } else if etag.is_some()
                    && self.synced(&name, &key).map(|s| &s.etag) == etag.as_ref()
                {
                    Ok(())
                } else {
                    self.download(&name, &bucket, &key).await
                }
            }
        };
        if let Err(error) = outcome {
            tracing::warn!(%error, "bucket folder mirror");
        }
    }

    /// A file was written: the object becomes its content, unless it already is.
    async fn folder_put(&mut self, name: &str, bucket: &str, key: &str) -> Result<(), String> {
        let path = self.folder(name).join(key);
        let Ok(bytes) = std::fs::read(&path) else {
            // Gone again, or a folder: its removal (or its files) come as their own changes.
            return Ok(());
        };
        let md5 = md5_hex(&bytes);
        if self.synced(name, key).is_some_and(|s| s.md5 == md5) {
            return Ok(());
        }
        self.upload(name, bucket, key, bytes, md5).await
    }

    async fn upload(
        &mut self,
        name: &str,
        bucket: &str,
        key: &str,
        bytes: Vec<u8>,
        md5: String,
    ) -> Result<(), String> {
        let content_type = mime_guess::from_path(key).first_or_octet_stream();
        let put = self
            .s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .content_type(content_type.essence_str())
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| format!("{bucket}/{key} could not be put: {}", said(&e)))?;
        let etag = put.e_tag.unwrap_or_default().trim_matches('"').to_owned();
        self.record
            .entry(name.to_owned())
            .or_default()
            .insert(key.to_owned(), Synced { etag, md5 });
        Ok(())
    }

    /// A file (or a folder of files) was removed: so are the objects it held.
    async fn folder_removed(&mut self, name: &str, bucket: &str, key: &str) -> Result<(), String> {
        if self.folder(name).join(key).exists() {
            // Replaced at once (an editor's save): the put that follows says what it holds.
            return Ok(());
        }
        let under = format!("{key}/");
        let gone: Vec<String> = self
            .record
            .get(name)
            .map(|keys| {
                keys.keys()
                    .filter(|k| *k == key || k.starts_with(&under))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for key in gone {
            if let Some(keys) = self.record.get_mut(name) {
                keys.remove(&key);
            }
            self.s3
                .delete_object()
                .bucket(bucket)
                .key(&key)
                .send()
                .await
                .map_err(|e| format!("{bucket}/{key} could not be deleted: {}", said(&e)))?;
        }
        Ok(())
    }

    /// An object was put: its folder gets its content, unless the file already holds it.
    async fn download(&mut self, name: &str, bucket: &str, key: &str) -> Result<(), String> {
        let path = self.folder(name).join(key);
        if key.ends_with('/') {
            // A "folder" object the console makes: a folder here.
            let _ = std::fs::create_dir_all(&path);
            return Ok(());
        }
        if !is_file_key(key) {
            return Err(format!(
                "{bucket}/{key} has no place in the folder {} (an empty, `.` or `..` part)",
                self.folder(name).display()
            ));
        }
        let got = match self.s3.get_object().bucket(bucket).key(key).send().await {
            Ok(got) => got,
            // Deleted again already: its removal comes as its own change.
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => return Ok(()),
            Err(e) => return Err(format!("{bucket}/{key} could not be read: {}", said(&e))),
        };
        let etag = got
            .e_tag
            .clone()
            .unwrap_or_default()
            .trim_matches('"')
            .to_owned();
        let bytes = got
            .body
            .collect()
            .await
            .map_err(|e| format!("{bucket}/{key} could not be read: {e}"))?
            .into_bytes();
        let md5 = md5_hex(&bytes);
        // Recorded before the file appears, so the watcher's event for it is an echo.
        self.record.entry(name.to_owned()).or_default().insert(
            key.to_owned(),
            Synced {
                etag,
                md5: md5.clone(),
            },
        );
        if std::fs::read(&path).is_ok_and(|held| md5_hex(&held) == md5) {
            return Ok(());
        }
        write_through(&self.staging_dir, &path, &bytes)
    }

    /// An object was deleted: so is its file, if it is the one last made equal.
    fn bucket_removed(&mut self, name: &str, key: &str) -> Result<(), String> {
        let Some(synced) = self.record.get_mut(name).and_then(|keys| keys.remove(key)) else {
            return Ok(());
        };
        let path = self.folder(name).join(key);
        match std::fs::read(&path) {
            Ok(held) if md5_hex(&held) == synced.md5 => std::fs::remove_file(&path)
                .map_err(|e| format!("{} could not be removed: {e}", path.display())),
            // Changed here since (its put follows), or gone already.
            _ => Ok(()),
        }
    }

    /// Brings one bucket and its folder level after a time nothing watched them.
    async fn level(&mut self, bucket: &MirroredBucket) -> Result<(), String> {
        let folder = self.folder(&bucket.name);
        std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
        let files = folder_files(&folder);
        let objects = self.list(&bucket.bucket).await?;
        let recorded = self.record.remove(&bucket.name).unwrap_or_default();
        for (key, path) in &files {
            let Ok(bytes) = std::fs::read(path) else {
                continue;
            };
            let md5 = md5_hex(&bytes);
            let synced = recorded.get(key);
            let folder_changed = synced.is_none_or(|s| s.md5 != md5);
            match objects.get(key) {
                // Level already: as recorded, or (no record) a single-part object's ETag is
                // its MD5.
                Some(etag)
                    if (!folder_changed && synced.is_some_and(|s| &s.etag == etag))
                        || (synced.is_none() && *etag == md5) =>
                {
                    let synced = Synced {
                        etag: etag.clone(),
                        md5,
                    };
                    self.record
                        .entry(bucket.name.clone())
                        .or_default()
                        .insert(key.clone(), synced);
                }
                // The object changed since (a run that stopped before its record was kept).
                Some(_) if !folder_changed => {
                    self.download(&bucket.name, &bucket.bucket, key).await?;
                }
                _ => {
                    self.upload(&bucket.name, &bucket.bucket, key, bytes, md5)
                        .await?
                }
            }
        }
        for key in objects.keys().filter(|k| !files.contains_key(*k)) {
            if recorded.contains_key(key) {
                // Removed from the folder while nothing watched it.
                self.s3
                    .delete_object()
                    .bucket(&bucket.bucket)
                    .key(key)
                    .send()
                    .await
                    .map_err(|e| {
                        format!("{}/{key} could not be deleted: {}", bucket.bucket, said(&e))
                    })?;
            } else if let Err(error) = self.download(&bucket.name, &bucket.bucket, key).await {
                tracing::warn!(%error, "bucket folder mirror");
            }
        }
        Ok(())
    }

    /// Every object of `bucket` with its ETag.
    async fn list(&self, bucket: &str) -> Result<BTreeMap<String, String>, String> {
        let mut objects = BTreeMap::new();
        let mut pages = self
            .s3
            .list_objects_v2()
            .bucket(bucket)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| format!("bucket `{bucket}` could not be listed: {}", said(&e)))?;
            for object in page.contents.unwrap_or_default() {
                if let Some(key) = object.key {
                    objects.insert(
                        key,
                        object
                            .e_tag
                            .unwrap_or_default()
                            .trim_matches('"')
                            .to_owned(),
                    );
                }
            }
        }
        Ok(objects)
    }

    /// Keeps the record (replaced whole, never half-written).
    fn save(&self) {
        let Ok(text) = serde_json::to_vec(&self.record) else {
            return;
        };
        let staged = self.staging_dir.join("record.json");
        if let Err(error) =
            std::fs::write(&staged, text).and_then(|()| std::fs::rename(&staged, &self.record_path))
        {
            tracing::warn!(%error, path = %self.record_path.display(), "bucket folder record not kept");
        }
    }
}

/// The files under `folder`, by key (editors' temporary files left out).
fn folder_files(folder: &Path) -> BTreeMap<String, PathBuf> {
    let mut files = BTreeMap::new();
    let mut pending = vec![folder.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(path),
                Ok(kind) if kind.is_file() => {
                    let Ok(relative) = path.strip_prefix(folder) else {
                        continue;
                    };
                    let key = relative.to_string_lossy().replace('\\', "/");
                    if !is_editor_temporary(&key) {
                        files.insert(key, path);
                    }
                }
                _ => {}
            }
        }
    }
    files
}

/// Writes `bytes` to `path` whole: staged beside the folders, then moved into place.
fn write_through(staging_dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let staged = staging_dir.join(format!("object-{}", std::process::id()));
    std::fs::write(&staged, bytes)
        .and_then(|()| std::fs::rename(&staged, path))
        .map_err(|e| format!("{} could not be written: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_keys_that_cannot_be_files_are_told_apart() {
        assert!(is_file_key("a/b/c.txt"));
        assert!(is_file_key("photo 1.jpg"));
        for key in ["", "/abs", "a//b", "a/./b", "../up", "a/.."] {
            assert!(!is_file_key(key), "{key}");
        }
    }

    #[test]
    fn s3_notifications_become_changes_of_their_keys() {
        let body = serde_json::json!({"Records": [
            {"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}, "object": {"key": "in/my+cat.jpg", "eTag": "\"abc\""}}},
            {"eventName": "ObjectRemoved:Delete", "s3": {"bucket": {"name": "b"}, "object": {"key": "old.txt"}}},
            {"eventName": "ObjectRestore:Completed", "s3": {"bucket": {"name": "b"}, "object": {"key": "x"}}},
        ]})
        .to_string();
        let changes = bucket_changes(&body);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(
            matches!(&changes[0], Change::Bucket { bucket, key, etag: Some(etag), removed: false }
            if bucket == "b" && key == "in/my cat.jpg" && etag == "abc")
        );
        assert!(
            matches!(&changes[1], Change::Bucket { key, etag: None, removed: true, .. } if key == "old.txt")
        );
        assert!(bucket_changes(r#"{"Service":"Amazon S3","Event":"s3:TestEvent"}"#).is_empty());
    }
}
