//! The function's resource policy (who may invoke it), read once per deploy and shared by the
//! triggers that add statements to it: the function URL's public statements and each bucket's
//! permission for S3. Functory names its statements (`functory-…`), so a later deploy finds
//! what it added — including for a trigger already gone from the manifest — and never touches
//! a statement someone else added.

use functory_adapter::{AdapterError, Result};
use serde_json::Value;

use super::AwsAdapter;

/// One statement of a resource policy, as much of it as Functory reads.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ResourceStatement {
    pub sid: String,
    /// `s3.amazonaws.com`, `*`, an account ARN, …
    pub principal: String,
    pub actions: Vec<String>,
    /// `AWS:SourceArn` of the statement's condition (a bucket, a rule), if any.
    pub source_arn: Option<String>,
    /// `lambda:FunctionUrlAuthType` of the statement's condition, if any.
    pub url_auth_type: Option<String>,
}

/// A string or a list of strings, as IAM writes either.
pub(crate) fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// The value of condition key `key` under any operator (`ArnLike`, `StringEquals`, …), matched
/// without regard to case as IAM does.
fn condition_value(condition: Option<&Value>, key: &str) -> Option<String> {
    condition?.as_object()?.values().find_map(|operator| {
        operator.as_object()?.iter().find_map(|(k, v)| {
            k.eq_ignore_ascii_case(key)
                .then(|| strings(Some(v)).into_iter().next())
                .flatten()
        })
    })
}

/// The statements of a policy document (JSON text).
pub(crate) fn parse_statements(text: &str) -> Vec<ResourceStatement> {
    let document: Value = serde_json::from_str(text).unwrap_or_default();
    let statements = match document.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(single @ Value::Object(_)) => vec![single.clone()],
        _ => Vec::new(),
    };
    statements
        .iter()
        .map(|s| {
            let principal = match s.get("Principal") {
                Some(Value::String(p)) => p.clone(),
                Some(Value::Object(p)) => p
                    .values()
                    .flat_map(|v| strings(Some(v)))
                    .next()
                    .unwrap_or_default(),
                _ => String::new(),
            };
            ResourceStatement {
                sid: s
                    .get("Sid")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                principal,
                actions: strings(s.get("Action")),
                source_arn: condition_value(s.get("Condition"), "AWS:SourceArn"),
                url_auth_type: condition_value(s.get("Condition"), "lambda:FunctionUrlAuthType"),
            }
        })
        .collect()
}

impl AwsAdapter {
    /// The statements of the function's (or stage's) resource policy; none when it has none
    /// or the function does not exist yet.
    pub(crate) async fn observe_resource_policy(
        &self,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<Vec<ResourceStatement>> {
        match self
            .lambda
            .get_policy()
            .function_name(name)
            .set_qualifier(qualifier.map(str::to_owned))
            .send()
            .await
        {
            Ok(policy) => Ok(parse_statements(policy.policy().unwrap_or_default())),
            Err(error) => match self.failure(&error, &format!("Lambda GetPolicy of `{name}`")) {
                AdapterError::NotFound { .. } => Ok(Vec::new()),
                other => Err(other),
            },
        }
    }

    /// Removes statement `sid` from the function's (or stage's) resource policy.
    pub(crate) async fn remove_statement(
        &self,
        name: &str,
        qualifier: Option<&str>,
        sid: &str,
    ) -> Result<()> {
        self.lambda
            .remove_permission()
            .function_name(name)
            .set_qualifier(qualifier.map(str::to_owned))
            .statement_id(sid)
            .send()
            .await
            .map_err(|e| self.failure(&e, &format!("Lambda RemovePermission {sid} on `{name}`")))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_principals_actions_and_conditions_in_either_shape() {
        let text = r#"{"Version":"2012-10-17","Id":"default","Statement":[
            {"Sid":"functory-s3-uploads","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},
             "Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:1:function:f:prod",
             "Condition":{"StringEquals":{"AWS:SourceAccount":"1"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::uploads"}}},
            {"Sid":"functory-url-public","Effect":"Allow","Principal":"*","Action":["lambda:InvokeFunctionUrl"],
             "Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}}]}"#;
        let statements = parse_statements(text);
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0].principal, "s3.amazonaws.com");
        assert_eq!(
            statements[0].source_arn.as_deref(),
            Some("arn:aws:s3:::uploads")
        );
        assert_eq!(statements[0].actions, ["lambda:InvokeFunction"]);
        assert_eq!(statements[1].principal, "*");
        assert_eq!(statements[1].url_auth_type.as_deref(), Some("NONE"));
        assert_eq!(parse_statements("not json"), vec![]);
    }
}
