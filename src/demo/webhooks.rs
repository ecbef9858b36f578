//! The demo's work-group robots: one of each vendor for the office and for 市市场监管局,
//! registered **off**, so the organisation page shows the feature (and the admin may try
//! the form) without the demo ever posting anywhere. Their keys are placeholders; a robot
//! turned on would be refused by its vendor and show as failed.

use sqlx::PgPool;

use crate::webhooks::{self, Draft, UrlRules};

/// (organisation, vendor, URL, secret, label)
const ROBOTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "市食安办",
        "wecom",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=00000000-demo-0000-0000-000000000001",
        "",
        "创建办工作群（示例）",
    ),
    (
        "市食安办",
        "dingtalk",
        "https://oapi.dingtalk.com/robot/send?access_token=demo000000000000000000000000000000000001",
        "SECdemo0000000000000000000000000000000000000000000000000000001",
        "食安委成员单位群（示例）",
    ),
    (
        "市食安办",
        "feishu",
        "https://open.feishu.cn/open-apis/bot/v2/hook/00000000-demo-0000-0000-000000000003",
        "",
        "督查督办群（示例）",
    ),
    (
        "市市场监管局",
        "wecom",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=00000000-demo-0000-0000-000000000004",
        "",
        "创建工作专班群（示例）",
    ),
    (
        "市市场监管局",
        "dingtalk",
        "https://oapi.dingtalk.com/robot/send?access_token=demo000000000000000000000000000000000005",
        "SECdemo0000000000000000000000000000000000000000000000000000005",
        "抽检工作群（示例）",
    ),
    (
        "市市场监管局",
        "feishu",
        "https://open.feishu.cn/open-apis/bot/v2/hook/00000000-demo-0000-0000-000000000006",
        "demo-feishu-secret-6",
        "执法稽查群（示例）",
    ),
];

pub async fn register(db: &PgPool) -> anyhow::Result<()> {
    for (organisation, vendor, url, secret, label) in ROBOTS {
        let Some(org) = crate::orgs::find_by_name_or_alias(db, organisation).await? else {
            continue;
        };
        // `demo --force` on a filled database registers them once.
        let known: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM webhooks WHERE organisation_id = $1 AND url = $2)",
        )
        .bind(org.id)
        .bind(url)
        .fetch_one(db)
        .await?;
        if known {
            continue;
        }
        // Checked as the admin's form checks them, so the demo shows only what the form
        // would accept.
        let robot = webhooks::validate::validate(
            &Draft {
                vendor,
                url,
                secret,
                label,
            },
            UrlRules::default(),
        )
        .map_err(|refusals| anyhow::anyhow!("demo robot {label} refused: {refusals:?}"))?;
        webhooks::register(db, org.id, &robot, false, None).await?;
    }
    Ok(())
}
