//! Parsing a delivery's payload: the object kind when it can be told, the whole payload always.

use practice_core::wire::OpenRecord;
use practice_core::{Error, ErrorKind};

/// The kind of object an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A patient.
    Patient,
    /// An appointment.
    Appointment,
    /// A treatment.
    Treatment,
}

/// An event about a known kind of object. Only what could be read with confidence is typed;
/// `payload` keeps everything, exactly as received.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ObjectEvent {
    /// What happened (`created`, `updated`, …), when the payload says.
    pub action: Option<String>,
    /// The object's id, when the payload carries one.
    pub object_id: Option<i64>,
    /// The whole payload.
    pub payload: OpenRecord,
}

/// A parsed webhook payload.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// A patient event.
    Patient(ObjectEvent),
    /// An appointment event.
    Appointment(ObjectEvent),
    /// A treatment event.
    Treatment(ObjectEvent),
    /// A payload whose kind we could not tell: kept whole.
    Unrecognised(OpenRecord),
}

/// Members that may name the object kind, in the order tried. The payload is undocumented
/// (see the `x-assumption` on the webhook schemas in `openapi.yaml`).
const KIND_MEMBERS: [&str; 5] = ["event", "type", "objectType", "entity", "eventType"];
const ACTION_MEMBERS: [&str; 3] = ["action", "operation", "change"];

impl WebhookEvent {
    /// Parses a payload. Fails only when the body is not a JSON object.
    pub fn parse(body: &[u8]) -> Result<WebhookEvent, Error> {
        let payload: OpenRecord = practice_core::serde_json::from_slice(body).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!(
                    "a webhook payload must be a JSON object ({})",
                    e.classify_text()
                ),
            )
        })?;
        let text = |name: &str| payload.0.decode::<String>(name).and_then(Result::ok);
        let kind = KIND_MEMBERS.iter().find_map(|m| text(m)).and_then(|k| {
            let k = k.to_ascii_lowercase();
            if k.starts_with("patient") {
                Some(ObjectKind::Patient)
            } else if k.starts_with("appointment") {
                Some(ObjectKind::Appointment)
            } else if k.starts_with("treatment") {
                Some(ObjectKind::Treatment)
            } else {
                None
            }
        });
        let Some(kind) = kind else {
            return Ok(WebhookEvent::Unrecognised(payload));
        };
        let id_member = match kind {
            ObjectKind::Patient => "patientId",
            ObjectKind::Appointment => "appointmentId",
            ObjectKind::Treatment => "treatmentId",
        };
        let object_id = [id_member, "id", "objectId"]
            .iter()
            .find_map(|m| payload.0.decode::<i64>(m).and_then(Result::ok));
        let action = ACTION_MEMBERS.iter().find_map(|m| text(m));
        let event = ObjectEvent {
            action,
            object_id,
            payload,
        };
        Ok(match kind {
            ObjectKind::Patient => WebhookEvent::Patient(event),
            ObjectKind::Appointment => WebhookEvent::Appointment(event),
            ObjectKind::Treatment => WebhookEvent::Treatment(event),
        })
    }

    /// The object kind, if recognised.
    pub fn kind(&self) -> Option<ObjectKind> {
        match self {
            WebhookEvent::Patient(_) => Some(ObjectKind::Patient),
            WebhookEvent::Appointment(_) => Some(ObjectKind::Appointment),
            WebhookEvent::Treatment(_) => Some(ObjectKind::Treatment),
            WebhookEvent::Unrecognised(_) => None,
        }
    }

    /// The whole payload.
    pub fn payload(&self) -> &OpenRecord {
        match self {
            WebhookEvent::Patient(e)
            | WebhookEvent::Appointment(e)
            | WebhookEvent::Treatment(e) => &e.payload,
            WebhookEvent::Unrecognised(p) => p,
        }
    }
}

trait ClassifyText {
    fn classify_text(&self) -> &'static str;
}

impl ClassifyText for practice_core::serde_json::Error {
    fn classify_text(&self) -> &'static str {
        match self.classify() {
            practice_core::serde_json::error::Category::Eof => "truncated",
            practice_core::serde_json::error::Category::Syntax => "not JSON",
            _ => "not an object",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_of_known_and_unknown_shapes() {
        let event = WebhookEvent::parse(
            br#"{"event":"Appointment","action":"created","appointmentId":34234,"extra":1.50}"#,
        )
        .unwrap();
        match &event {
            WebhookEvent::Appointment(e) => {
                assert_eq!(e.action.as_deref(), Some("created"));
                assert_eq!(e.object_id, Some(34234));
                assert_eq!(e.payload.get("extra"), Some("1.50"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            WebhookEvent::parse(br#"{"type":"patient.updated","id":7}"#)
                .unwrap()
                .kind(),
            Some(ObjectKind::Patient)
        );
        assert_eq!(
            WebhookEvent::parse(br#"{"objectType":"Treatment"}"#)
                .unwrap()
                .kind(),
            Some(ObjectKind::Treatment)
        );
        let odd = br#"{"something":"else","n":[1,2]}"#;
        let parsed = WebhookEvent::parse(odd).unwrap();
        assert!(matches!(parsed, WebhookEvent::Unrecognised(_)));
        assert_eq!(
            practice_core::serde_json::to_string(parsed.payload()).unwrap(),
            std::str::from_utf8(odd).unwrap()
        );
        let err = WebhookEvent::parse(b"[1,2]").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        assert!(WebhookEvent::parse(b"{\"event\":").is_err());
    }
}
