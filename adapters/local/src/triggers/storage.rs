//! The storage trigger: a local bucket is a folder under the data folder. Creating, replacing
//! or deleting a file there — from the app, the CLI or any other program — sends the
//! subscribed functions S3 event notifications, filtered by key prefix and suffix and by event
//! name, as S3 does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use functory_adapter::{Adapter, InvocationType, InvokeOptions};
use md5::{Digest, Md5};
use notify::event::{AccessKind, AccessMode, CreateKind, EventKind, ModifyKind, RenameMode};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use serde_json::Value;

use crate::engine::LocalRuntime;

/// One function subscribed to a bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSubscription {
    pub bucket: String,
    pub function: String,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
    /// `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`, …; `None` means every created event.
    pub events: Option<Vec<String>>,
}

impl BucketSubscription {
    fn wants(&self, key: &str, event_name: &str) -> bool {
        let name_matches = match &self.events {
            None => event_name.starts_with("ObjectCreated:"),
            Some(patterns) => patterns.iter().any(|pattern| {
                let pattern = pattern.strip_prefix("s3:").unwrap_or(pattern);
                match pattern.strip_suffix('*') {
                    Some(head) => event_name.starts_with(head),
                    None => pattern == event_name,
                }
            }),
        };
        name_matches
            && self.prefix.as_deref().is_none_or(|p| key.starts_with(p))
            && self.suffix.as_deref().is_none_or(|s| key.ends_with(s))
    }
}

/// What hears of the files put into and removed from bucket folders: the local buckets'
/// subscribers ([`BucketWatcher::start`]), or a mirror of the folders into the local AWS
/// services' buckets.
pub trait FolderListener: Send + Sync + 'static {
    /// `key` of `bucket` (its folder's name) was put (`ObjectCreated:Put`: a writer closed it
    /// or it was moved in) or removed (`ObjectRemoved:Delete`); `path` is the file.
    fn changed(&self, bucket: &str, key: &str, path: &Path, event_name: &str);
}

/// Watches bucket folders and tells a [`FolderListener`]. Dropping it stops watching.
pub struct BucketWatcher {
    _watcher: RecommendedWatcher,
    folders: Vec<(String, PathBuf)>,
}

impl std::fmt::Debug for BucketWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BucketWatcher")
            .field("folders", &self.folders)
            .finish_non_exhaustive()
    }
}

/// The file events of the watched folders, as puts and removals of keys.
struct FolderWatch {
    buckets_dir: PathBuf,
    listener: Arc<dyn FolderListener>,
    handle: tokio::runtime::Handle,
    /// When each file last had a created event, so the look into a new folder (see
    /// `scan_new_folder`) does not announce a file twice.
    announced: Mutex<HashMap<PathBuf, Instant>>,
}

/// The local buckets' subscribers, invoked with S3's event.
struct Subscribers {
    runtime: LocalRuntime,
    subscriptions: Vec<BucketSubscription>,
    sequence: AtomicU64,
    handle: tokio::runtime::Handle,
}

/// How long after a folder appears it is looked into, by which time the watcher watches it.
const NEW_FOLDER_SCAN_DELAY: Duration = Duration::from_millis(50);
/// Files looked at in one new folder tree, at most.
const NEW_FOLDER_SCAN_LIMIT: usize = 10_000;

impl BucketWatcher {
    /// Invokes `subscriptions`' functions for the files put into and removed from their
    /// buckets' folders (under the runtime's buckets folder). Must be called inside a Tokio
    /// runtime.
    pub fn start(
        runtime: LocalRuntime,
        subscriptions: Vec<BucketSubscription>,
    ) -> std::io::Result<BucketWatcher> {
        let buckets_dir = runtime.settings().buckets_dir();
        let mut buckets: Vec<String> = Vec::new();
        for subscription in &subscriptions {
            if !buckets.contains(&subscription.bucket) {
                buckets.push(subscription.bucket.clone());
            }
        }
        let subscribers = Subscribers {
            runtime,
            subscriptions,
            sequence: AtomicU64::new(1),
            handle: tokio::runtime::Handle::current(),
        };
        BucketWatcher::watch(&buckets_dir, &buckets, Arc::new(subscribers))
    }

    /// Tells `listener` of the files put into and removed from the folders of `buckets` under
    /// `buckets_dir` (made if missing). Must be called inside a Tokio runtime.
    pub fn watch(
        buckets_dir: &Path,
        buckets: &[String],
        listener: Arc<dyn FolderListener>,
    ) -> std::io::Result<BucketWatcher> {
        let mut folders: Vec<(String, PathBuf)> = Vec::new();
        for bucket in buckets {
            let folder = buckets_dir.join(bucket);
            std::fs::create_dir_all(&folder)?;
            folders.push((bucket.clone(), folder.canonicalize()?));
        }
        let watch = Arc::new(FolderWatch {
            buckets_dir: buckets_dir.canonicalize()?,
            listener,
            handle: tokio::runtime::Handle::current(),
            announced: Mutex::default(),
        });
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event {
                    watch.on_event(event);
                }
            })
            .map_err(std::io::Error::other)?;
        for (_, folder) in &folders {
            watcher
                .watch(folder, RecursiveMode::Recursive)
                .map_err(std::io::Error::other)?;
        }
        Ok(BucketWatcher {
            _watcher: watcher,
            folders,
        })
    }

    /// Each bucket with its folder.
    pub fn folders(&self) -> &[(String, PathBuf)] {
        &self.folders
    }
}

/// Editors' temporary files are not objects anyone uploaded.
pub fn is_editor_temporary(key: &str) -> bool {
    let file_name = key.rsplit('/').next().unwrap_or("");
    file_name.starts_with(".#") || file_name.ends_with('~') || file_name.ends_with(".swp")
}

impl FolderWatch {
    fn on_event(self: &Arc<Self>, event: notify::Event) {
        // A file is "put" when a writer closes it or it is moved in; it is deleted when it is
        // removed or moved out. Plain modifications wait for the close, so one upload is one
        // event however many writes it took.
        let (name, path) = match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => {
                ("ObjectCreated:Put", event.paths.first())
            }
            EventKind::Modify(ModifyKind::Name(RenameMode::To)) => {
                ("ObjectCreated:Put", event.paths.first())
            }
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => {
                if let Some(from) = event.paths.first() {
                    self.notify("ObjectRemoved:Delete", from);
                }
                ("ObjectCreated:Put", event.paths.get(1))
            }
            EventKind::Modify(ModifyKind::Name(RenameMode::From)) => {
                ("ObjectRemoved:Delete", event.paths.first())
            }
            EventKind::Remove(_) => ("ObjectRemoved:Delete", event.paths.first()),
            EventKind::Create(CreateKind::Folder) => {
                if let Some(folder) = event.paths.first() {
                    self.scan_new_folder(folder.clone());
                }
                return;
            }
            _ => return,
        };
        if let Some(path) = path {
            self.notify(name, path);
        }
    }

    /// A folder made in a bucket is watched only once the watcher hears of it: files a program
    /// writes into it at once (`mkdir -p a/b && cp x a/b/`) can land before that. So the
    /// folder is looked into a moment later, and files that had no created event since it
    /// appeared get theirs.
    fn scan_new_folder(self: &Arc<Self>, folder: PathBuf) {
        let appeared = Instant::now();
        let watch = self.clone();
        self.handle.spawn_blocking(move || {
            std::thread::sleep(NEW_FOLDER_SCAN_DELAY);
            let mut pending = vec![folder];
            let mut seen = 0;
            while let Some(dir) = pending.pop() {
                let Ok(entries) = std::fs::read_dir(&dir) else {
                    continue;
                };
                for entry in entries.flatten() {
                    seen += 1;
                    if seen > NEW_FOLDER_SCAN_LIMIT {
                        return;
                    }
                    let path = entry.path();
                    match entry.file_type() {
                        Ok(kind) if kind.is_dir() => pending.push(path),
                        Ok(kind) if kind.is_file() => {
                            let announced = watch
                                .announced
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .get(&path)
                                .is_some_and(|at| *at >= appeared);
                            if !announced {
                                watch.notify("ObjectCreated:Put", &path);
                            }
                        }
                        _ => {}
                    }
                }
            }
        });
    }

    fn notify(self: &Arc<Self>, event_name: &str, path: &Path) {
        let Ok(relative) = path.strip_prefix(&self.buckets_dir) else {
            return;
        };
        let mut parts = relative.components();
        let Some(bucket) = parts
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
        else {
            return;
        };
        let key = parts.as_path().to_string_lossy().replace('\\', "/");
        if key.is_empty() {
            return;
        }
        let created = event_name.starts_with("ObjectCreated");
        if created && path.is_dir() {
            // A folder moved in: its files are put.
            self.scan_new_folder(path.to_owned());
            return;
        }
        if created && !path.is_file() {
            return;
        }
        if created {
            let now = Instant::now();
            let mut announced = self
                .announced
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if announced.len() >= 4096 {
                announced.retain(|_, at| now.duration_since(*at) < Duration::from_secs(10));
            }
            announced.insert(path.to_owned(), now);
        }
        if is_editor_temporary(&key) {
            return;
        }
        self.listener.changed(&bucket, &key, path, event_name);
    }
}

impl FolderListener for Subscribers {
    fn changed(&self, bucket: &str, key: &str, path: &Path, event_name: &str) {
        let wanted: Vec<&BucketSubscription> = self
            .subscriptions
            .iter()
            .filter(|s| s.bucket == bucket && s.wants(key, event_name))
            .collect();
        if wanted.is_empty() {
            return;
        }
        let (size, etag) = if event_name.starts_with("ObjectCreated") {
            let bytes = std::fs::read(path).unwrap_or_default();
            (bytes.len(), format!("{:x}", Md5::digest(&bytes)))
        } else {
            (0, String::new())
        };
        for subscription in wanted {
            let sequence = self.sequence.fetch_add(1, Ordering::Relaxed);
            let event = s3_event(
                bucket,
                key,
                event_name,
                size,
                &etag,
                sequence,
                &self.runtime.settings().region,
            );
            let runtime = self.runtime.clone();
            let function = subscription.function.clone();
            // S3 invokes asynchronously: the event is queued and run when capacity allows.
            self.handle.spawn(async move {
                let options = InvokeOptions::new(&function, event.to_string())
                    .with_type(InvocationType::Event);
                if let Err(error) = runtime.invoke(options).await
                    && let Ok(store) = runtime.log_store(&function)
                {
                    store.append(None, &format!("storage trigger could not invoke: {error}"));
                }
            });
        }
    }
}

/// An S3 event notification with one record, as S3 sends it now (the shape is
/// functory-formats', the one samples use too).
pub fn s3_event(
    bucket: &str,
    key: &str,
    event_name: &str,
    size: usize,
    etag: &str,
    sequence: u64,
    region: &str,
) -> Value {
    let host_id = uuid::Uuid::new_v4().to_string();
    functory_formats::events::s3_event(&functory_formats::events::S3Notification {
        bucket,
        key,
        event_name,
        size,
        etag,
        sequence,
        region,
        time: chrono::Utc::now(),
        host_id: &host_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_by_prefix_suffix_and_event_name() {
        let subscription = BucketSubscription {
            bucket: "b".into(),
            function: "f".into(),
            prefix: Some("uploads/".into()),
            suffix: Some(".jpg".into()),
            events: None,
        };
        assert!(subscription.wants("uploads/cat.jpg", "ObjectCreated:Put"));
        assert!(!subscription.wants("uploads/cat.png", "ObjectCreated:Put"));
        assert!(!subscription.wants("other/cat.jpg", "ObjectCreated:Put"));
        assert!(!subscription.wants("uploads/cat.jpg", "ObjectRemoved:Delete"));
        let removals = BucketSubscription {
            events: Some(vec!["s3:ObjectRemoved:*".into()]),
            prefix: None,
            suffix: None,
            ..subscription
        };
        assert!(removals.wants("x", "ObjectRemoved:Delete"));
        assert!(!removals.wants("x", "ObjectCreated:Put"));
    }

    #[test]
    fn keys_are_encoded_as_s3_encodes_them() {
        let event = s3_event(
            "b",
            "my photos/ä 1.jpg",
            "ObjectCreated:Put",
            3,
            "abc",
            1,
            "us-east-1",
        );
        assert_eq!(
            event["Records"][0]["s3"]["object"]["key"],
            "my+photos/%C3%A4+1.jpg"
        );
        assert_eq!(event["Records"][0]["s3"]["object"]["size"], 3);
        assert_eq!(event["Records"][0]["eventSource"], "aws:s3");
    }
}
