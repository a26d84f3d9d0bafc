//! Unit tests of `app/throughput.rs`.

use super::*;

fn provisioned(read: i64, write: i64) -> BillingMode {
    BillingMode::Provisioned { read, write }
}

fn form_with(billing_on_demand: bool, rcu: &str, wcu: &str) -> Form {
    let mut billing = Field::choice(fields::BILLING, vec![BILLING_PROVISIONED, BILLING_ON_DEMAND]);
    if let FieldKind::Choice { selected, .. } = &mut billing.kind {
        *selected = usize::from(billing_on_demand);
    }
    Form::new("t", vec![billing, Field::text(fields::RCU, rcu), Field::text(fields::WCU, wcu)])
}

#[test]
fn a_change_is_validated_against_the_current_setting() {
    let current = provisioned(1, 1);
    assert_eq!(validate(&mut form_with(false, "5", "1"), &current), Some(provisioned(5, 1)));
    assert_eq!(validate(&mut form_with(true, "x", "y"), &current), Some(BillingMode::OnDemand));
    let mut same = form_with(false, "1", "1");
    assert_eq!(validate(&mut same, &current), None);
    assert_eq!(same.error.as_deref(), Some("that is the current setting: nothing to change"));
    let mut zero = form_with(false, "0", "1");
    assert_eq!(validate(&mut zero, &current), None);
    let rcu_error = zero.field(fields::RCU).and_then(|f| f.error.clone());
    assert_eq!(rcu_error.as_deref(), Some("must be at least 1"));
}
