//! `t`: change the table's provisioned throughput or billing mode with
//! UpdateTable; the status panel then watches UPDATING → ACTIVE.

use super::{App, BILLING_ON_DEMAND, BILLING_PROVISIONED, Modal, TableState, fields, read_billing};
use crate::error::ApiError;
use crate::form::{Field, FieldKind, Form};
use crate::table::{BillingMode, TableInfo, TableStatus};

impl App {
    pub(super) fn open_update_form(&mut self) {
        if let Some(why) = self.write_blocked("changing throughput") {
            return self.error(why);
        }
        let TableState::Present(info) = &self.session.table else {
            return self.error(format!("table {} does not exist", self.session.name));
        };
        if info.status != TableStatus::Active {
            return self.error(format!("table is {}: wait until ACTIVE", info.status.as_str()));
        }
        let form = update_form(info);
        self.modal = Modal::UpdateTable(form);
    }

    /// UpdateTable answered: show the new description (normally UPDATING).
    pub(super) fn complete_update(&mut self, result: Result<TableInfo, ApiError>) {
        match result {
            Ok(info) => {
                self.modal = Modal::None;
                self.info(format!("UpdateTable {} accepted", info.name));
                self.set_table(TableState::Present(info));
                self.table_changed();
            }
            Err(err) => self.form_failed(err, "UpdateTable"),
        }
    }
}

fn update_form(info: &TableInfo) -> Form {
    let (read, write, on_demand) = match info.billing {
        BillingMode::Provisioned { read, write } => (read, write, false),
        BillingMode::OnDemand => (1, 1, true),
    };
    let mut billing = Field::choice(fields::BILLING, vec![BILLING_PROVISIONED, BILLING_ON_DEMAND]);
    if let FieldKind::Choice { selected, .. } = &mut billing.kind {
        *selected = usize::from(on_demand);
    }
    let decreases = info.decreases_today.map_or_else(
        || "unknown".to_string(),
        |n| format!("{n} so far today (DynamoDB limits decreases per day)"),
    );
    Form::new(
        format!("Change throughput of {}", info.name),
        vec![
            billing,
            Field::text(fields::RCU, &read.to_string()),
            Field::text(fields::WCU, &write.to_string()),
            Field::fixed(fields::DECREASES, decreases),
            Field::fixed(fields::INDEXES, index_note(info)),
        ],
    )
    .with_intro(
        "UpdateTable. Space switches billing mode (allowed once per 24 h). Capacity is whole \
         units from 1; the table stays usable while UPDATING.",
    )
}

/// The table's indexes in short, and the way to add one from this form.
fn index_note(info: &TableInfo) -> String {
    let names: Vec<String> =
        info.indexes.iter().map(|i| format!("{} {}", i.kind, i.name)).collect();
    let names = if names.is_empty() { "none".to_string() } else { names.join(", ") };
    format!("{names} · Ctrl-N adds a global secondary index")
}

/// Checks the form against the current billing; marks bad fields.
pub(super) fn validate(form: &mut Form, current: &BillingMode) -> Option<BillingMode> {
    form.clear_errors();
    let billing = read_billing(form)?;
    if &billing == current {
        form.error = Some("that is the current setting: nothing to change".to_string());
        return None;
    }
    Some(billing)
}

#[cfg(test)]
mod tests;
