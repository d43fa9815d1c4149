//! Objects in an S3-compatible bucket (AWS, Garage, MinIO ...).

use std::error::Error as StdError;
use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use bytes::Bytes;

use super::{ObjectKey, ObjectStore, StoreError};

/// Short timeouts so an outage turns into a quick 503 instead of requests
/// piling up behind a dead endpoint.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the bucket is. Credentials are not here: they come from the standard
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and optional
/// `AWS_SESSION_TOKEN`) environment variables, so they never sit in a
/// config file next to the rest of the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    pub bucket: String,
    /// e.g. `http://127.0.0.1:3900` for Garage; `None` for AWS itself.
    pub endpoint: Option<String>,
    pub region: String,
    /// `http://host/bucket/key` instead of `http://bucket.host/key`; needed
    /// by most self-hosted servers, which have no wildcard DNS.
    pub force_path_style: bool,
}

#[derive(Debug, Clone)]
pub struct S3Store {
    client: Client,
    bucket: String,
}

impl S3Store {
    /// Builds the client. Does not contact the server: a store that is down
    /// at start-up should make the readiness probe ([`ObjectStore::check`])
    /// fail, not the process.
    pub async fn connect(config: S3Config) -> Result<Self, StoreError> {
        if config.bucket.is_empty() {
            return Err(StoreError::Unavailable(
                "S3 bucket name is empty".to_owned(),
            ));
        }
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(OPERATION_TIMEOUT)
            .build();
        let shared = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(config.region))
            .credentials_provider(EnvironmentVariableCredentialsProvider::new())
            .timeout_config(timeouts)
            .load()
            .await;
        let mut builder =
            aws_sdk_s3::config::Builder::from(&shared).force_path_style(config.force_path_style);
        if let Some(endpoint) = config.endpoint {
            builder = builder.endpoint_url(endpoint);
        }
        Ok(Self {
            client: Client::from_conf(builder.build()),
            bucket: config.bucket,
        })
    }
}

#[async_trait::async_trait]
impl ObjectStore for S3Store {
    async fn put(&self, key: &ObjectKey, bytes: Bytes) -> Result<(), StoreError> {
        // A PUT either stores the whole object or nothing, so readers never
        // see a partial write.
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| unavailable("put", key.as_str(), e))?;
        Ok(())
    }

    async fn get(&self, key: &ObjectKey) -> Result<Bytes, StoreError> {
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
        {
            Ok(output) => output,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => {
                return Err(StoreError::NotFound(key.clone()))
            }
            Err(e) => return Err(unavailable("get", key.as_str(), e)),
        };
        let body = output.body.collect().await.map_err(|e| {
            StoreError::Unavailable(format!(
                "get {key}: reading body: {}",
                DisplayErrorContext(e)
            ))
        })?;
        Ok(body.into_bytes())
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError> {
        // S3 answers 204 for absent keys too, which is the idempotence we want.
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|e| unavailable("delete", key.as_str(), e))?;
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<ObjectKey>, StoreError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut keys = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| unavailable("list", prefix, e))?;
            for object in page.contents() {
                // Objects written by something else with keys we would never
                // produce are not ours to report (or to sweep).
                match object.key().map(str::parse::<ObjectKey>) {
                    Some(Ok(key)) => keys.push(key),
                    _ => tracing::debug!(bucket = %self.bucket, "skipping foreign object key"),
                }
            }
        }
        keys.sort();
        Ok(keys)
    }

    async fn check(&self) -> Result<(), StoreError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| unavailable("check bucket", &self.bucket, e))?;
        Ok(())
    }
}

/// Every S3 failure other than "no such key" is something the client cannot
/// fix (network, timeout, credentials, missing bucket), hence `Unavailable`.
fn unavailable<E, R>(op: &str, target: &str, e: SdkError<E, R>) -> StoreError
where
    E: StdError + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let kind = match &e {
        SdkError::TimeoutError(_) => "timeout",
        SdkError::DispatchFailure(d) if d.is_io() || d.is_timeout() => "connection failed",
        SdkError::DispatchFailure(_) => "dispatch failed",
        SdkError::ServiceError(_) | SdkError::ResponseError(_) => "server error",
        _ => "request failed",
    };
    StoreError::Unavailable(format!("{op} {target}: {kind}: {}", DisplayErrorContext(e)))
}
