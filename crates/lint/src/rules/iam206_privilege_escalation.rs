use crate::finding::{Finding, Severity};
use crate::policy::{PolicyKind, Statement, wildcard_match};
use crate::rules::{Check, PolicyContext};

declare_rule! {
    /// ## What it checks
    /// Identity policies that allow a known combination of actions by which a principal can
    /// gain more permissions than the policy grants: the 21 classic IAM methods (new policy
    /// versions, access keys, login profiles, attaching or writing policies, joining groups,
    /// editing trust policies, passing a role to new Lambda functions, EC2 instances, Glue dev
    /// endpoints, CloudFormation stacks, Data Pipeline) and the compute-service methods
    /// documented since (CodeBuild projects and buildspec overrides, ECS tasks and exec,
    /// SageMaker notebooks and jobs, Glue jobs, App Runner, Auto Scaling launch
    /// configurations, EC2 user data, SSM commands and sessions, EC2 Instance Connect, Lambda
    /// code and layer updates, CloudFormation stack updates, removing permissions boundaries).
    ///
    /// ## Why it matters
    /// The policy looks limited, but its holder can turn it into administrator access, for
    /// instance by creating a Lambda function with an admin role (`iam:PassRole` +
    /// `lambda:CreateFunction` + `lambda:InvokeFunction`). Reviews that read statements one by
    /// one miss these combinations.
    ///
    /// ## Example
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [
    ///   {"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]}
    /// ```
    ///
    /// ## Fix
    /// Remove one action of each combination, or limit it: `iam:PassRole` to named roles with
    /// `iam:PassedToService`, policy and key actions to the principal's own resources. When
    /// every action of a combination is limited to named resources the finding is lowered;
    /// an unconditional Deny of one action removes it.
    ///
    /// ## References
    /// - Rhino Security Labs: AWS IAM Privilege Escalation – Methods and Mitigation
    /// - Bishop Fox: iam-vulnerable (privilege escalation paths)
    /// - AWS IAM User Guide: Security best practices in IAM
    pub static RULE = Rule {
        code: "IAM206",
        name: "privilege-escalation",
        summary: "A combination of allowed actions that can escalate privileges",
        severity: Severity::Critical,
        fix: None,
        check: Check::Policy(check),
    };
}

/// (method, actions that together allow it). Every action is checked against the catalogue by
/// a test.
pub const METHODS: &[(&str, &[&str])] = &[
    ("CreateNewPolicyVersion", &["iam:CreatePolicyVersion"]),
    (
        "SetExistingDefaultPolicyVersion",
        &["iam:SetDefaultPolicyVersion"],
    ),
    (
        "CreateEC2WithExistingInstanceProfile",
        &["iam:PassRole", "ec2:RunInstances"],
    ),
    ("CreateAccessKey", &["iam:CreateAccessKey"]),
    ("CreateLoginProfile", &["iam:CreateLoginProfile"]),
    ("UpdateLoginProfile", &["iam:UpdateLoginProfile"]),
    ("AttachUserPolicy", &["iam:AttachUserPolicy"]),
    ("AttachGroupPolicy", &["iam:AttachGroupPolicy"]),
    (
        "AttachRolePolicy",
        &["iam:AttachRolePolicy", "sts:AssumeRole"],
    ),
    ("PutUserPolicy", &["iam:PutUserPolicy"]),
    ("PutGroupPolicy", &["iam:PutGroupPolicy"]),
    ("PutRolePolicy", &["iam:PutRolePolicy", "sts:AssumeRole"]),
    ("AddUserToGroup", &["iam:AddUserToGroup"]),
    (
        "UpdateRolePolicyToAssumeIt",
        &["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
    ),
    (
        "PassExistingRoleToNewLambdaThenInvoke",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:InvokeFunction",
        ],
    ),
    (
        "PassExistingRoleToNewLambdaThenTriggerWithNewDynamo",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping",
            "dynamodb:CreateTable",
            "dynamodb:PutItem",
        ],
    ),
    (
        "PassExistingRoleToNewLambdaThenTriggerWithExistingDynamo",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping",
        ],
    ),
    (
        "PassExistingRoleToNewGlueDevEndpoint",
        &["iam:PassRole", "glue:CreateDevEndpoint"],
    ),
    ("UpdateExistingGlueDevEndpoint", &["glue:UpdateDevEndpoint"]),
    (
        "PassExistingRoleToCloudFormation",
        &["iam:PassRole", "cloudformation:CreateStack"],
    ),
    (
        "PassExistingRoleToNewDataPipeline",
        &[
            "iam:PassRole",
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
        ],
    ),
    (
        "EditExistingLambdaFunctionWithRole",
        &["lambda:UpdateFunctionCode"],
    ),
    (
        "AddMaliciousLayerToExistingLambda",
        &["lambda:UpdateFunctionConfiguration"],
    ),
    (
        "PassRoleToNewCodeBuildProject",
        &[
            "iam:PassRole",
            "codebuild:CreateProject",
            "codebuild:StartBuild",
        ],
    ),
    (
        "UpdateExistingCodeBuildProject",
        &["codebuild:UpdateProject", "codebuild:StartBuild"],
    ),
    (
        "StartCodeBuildWithBuildspecOverride",
        &["codebuild:StartBuild"],
    ),
    (
        "PassRoleToNewEcsTask",
        &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
    ),
    ("ExecuteCommandInEcsTask", &["ecs:ExecuteCommand"]),
    (
        "PassRoleToNewSageMakerNotebook",
        &[
            "iam:PassRole",
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreatePresignedNotebookInstanceUrl",
        ],
    ),
    (
        "OpenExistingSageMakerNotebook",
        &["sagemaker:CreatePresignedNotebookInstanceUrl"],
    ),
    (
        "PassRoleToNewSageMakerTrainingJob",
        &["iam:PassRole", "sagemaker:CreateTrainingJob"],
    ),
    (
        "PassRoleToNewSageMakerProcessingJob",
        &["iam:PassRole", "sagemaker:CreateProcessingJob"],
    ),
    (
        "PassRoleToNewGlueJob",
        &["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"],
    ),
    (
        "UpdateExistingGlueJob",
        &["iam:PassRole", "glue:UpdateJob", "glue:StartJobRun"],
    ),
    (
        "PassRoleToNewAppRunnerService",
        &["iam:PassRole", "apprunner:CreateService"],
    ),
    (
        "PassRoleToNewAutoScalingLaunchConfiguration",
        &[
            "iam:PassRole",
            "autoscaling:CreateLaunchConfiguration",
            "autoscaling:CreateAutoScalingGroup",
        ],
    ),
    (
        "ModifyEc2UserData",
        &[
            "ec2:ModifyInstanceAttribute",
            "ec2:StopInstances",
            "ec2:StartInstances",
        ],
    ),
    ("SendSsmCommandToInstance", &["ssm:SendCommand"]),
    ("StartSsmSession", &["ssm:StartSession"]),
    (
        "SendSshKeyWithInstanceConnect",
        &["ec2-instance-connect:SendSSHPublicKey"],
    ),
    (
        "PassRoleToUpdatedCloudFormationStack",
        &["iam:PassRole", "cloudformation:UpdateStack"],
    ),
    (
        "PassRoleToCloudFormationChangeSet",
        &[
            "iam:PassRole",
            "cloudformation:CreateChangeSet",
            "cloudformation:ExecuteChangeSet",
        ],
    ),
    (
        "DeleteRolePermissionsBoundary",
        &["iam:DeleteRolePermissionsBoundary"],
    ),
    (
        "DeleteUserPermissionsBoundary",
        &["iam:DeleteUserPermissionsBoundary"],
    ),
];

fn check(ctx: &PolicyContext<'_, '_>, out: &mut Vec<Finding>) {
    let document = ctx.document;
    if document.kind != PolicyKind::Identity {
        return;
    }
    // Administrator access is IAM201's finding; listing escalations on top adds nothing.
    let full_admin = document.allows().any(|s| {
        s.action.is_some_and(|a| !a.negated)
            && s.applies_to_all_resources()
            && s.actions().iter().any(|(a, _)| *a == "*" || *a == "*:*")
    });
    if full_admin {
        return;
    }
    let mut found: Vec<&str> = Vec::new();
    let mut anchor: Option<&Statement<'_>> = None;
    let mut limited = true;
    let mut conditioned = true;
    for (method, actions) in METHODS {
        let grants: Option<Vec<&Statement<'_>>> = actions.iter().map(|a| ctx.granting(a)).collect();
        let Some(grants) = grants else { continue };
        found.push(method);
        anchor.get_or_insert(grants[0]);
        limited &= grants.iter().any(|s| !s.applies_to_all_resources());
        conditioned &= grants
            .iter()
            .any(|s| !s.restricting_condition_keys().is_empty());
    }
    let Some(anchor) = anchor else { return };
    let first_method_action = METHODS
        .iter()
        .find(|(m, _)| *m == found[0])
        .map_or("", |(_, a)| a[0]);
    let span = anchor
        .actions()
        .into_iter()
        .find(|(p, _)| wildcard_match(p, first_method_action))
        .map_or(anchor.node.span, |(_, n)| n.span);
    let shown: Vec<&str> = found.iter().take(4).copied().collect();
    let more = if found.len() > 4 {
        format!(" and {} more", found.len() - 4)
    } else {
        String::new()
    };
    let mut finding = RULE.finding(
        span,
        format!(
            "the policy allows privilege escalation by {}{more}",
            shown.join(", ")
        ),
    );
    if limited {
        finding =
            finding.lowered("lowered: some actions of each method are limited to named resources");
    } else if conditioned {
        finding =
            finding.lowered("lowered: some actions of each method are restricted by conditions");
    }
    out.push(finding);
}
