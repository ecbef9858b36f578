//! The 工作群通知 section of an organisation's admin page: its robots with their latest
//! deliveries, and the form to add one (kept as typed when it is refused).

use crate::webhooks::{Delivery, DeliveryStatus, Vendor, Webhook};

/// What the robot form shows.
#[derive(Debug, Clone, Default)]
pub struct WebhookFormValues {
    pub vendor: String,
    pub url: String,
    pub secret: String,
    pub label: String,
}

/// A robot and its latest deliveries, newest first.
#[derive(Debug, Clone)]
pub struct RobotView {
    pub robot: Webhook,
    pub deliveries: Vec<Delivery>,
}

impl RobotView {
    pub fn vendor_key(&self) -> &'static str {
        vendor_key(self.robot.vendor)
    }

    pub fn status_key(&self, delivery: &Delivery) -> &'static str {
        match delivery.status {
            DeliveryStatus::Pending if delivery.attempts > 0 => "webhook-status-retrying",
            DeliveryStatus::Pending => "webhook-status-pending",
            DeliveryStatus::Sent => "webhook-status-sent",
            DeliveryStatus::Failed => "webhook-status-failed",
        }
    }

    pub fn status_class(&self, delivery: &Delivery) -> &'static str {
        match delivery.status {
            DeliveryStatus::Pending => "badge-notice",
            DeliveryStatus::Sent => "badge-ok",
            DeliveryStatus::Failed => "badge-off",
        }
    }
}

pub fn vendor_key(vendor: Vendor) -> &'static str {
    match vendor {
        Vendor::Wecom => "webhook-vendor-wecom",
        Vendor::Dingtalk => "webhook-vendor-dingtalk",
        Vendor::Feishu => "webhook-vendor-feishu",
    }
}

#[derive(Debug, Clone, Default)]
pub struct WebhookSection {
    pub robots: Vec<RobotView>,
    pub values: WebhookFormValues,
    pub errors: Vec<String>,
    /// `SHIAN_WEBHOOK_DIGEST_MINUTES`, for the section's explanation.
    pub digest_minutes: u32,
}

impl WebhookSection {
    pub fn vendors(&self) -> [(&'static str, &'static str); 3] {
        Vendor::ALL.map(|v| (v.as_str(), vendor_key(v)))
    }
}
