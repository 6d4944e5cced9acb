"""The one registry of readable names for the audit trail: every action, every field and every record type
an event may carry, in both languages, and how a field's value is shown (万元, yes/no, a date, a table).

Stored events keep their keys for ever (the trail is append-only and older keys name the same things in
dotted, underscored and bare-verb styles): a key is given a label here, never renamed.

New actions have one style, ``NEW_ACTION_STYLE``: lower-case words joined by underscores, the record first
and a past participle last, ``<record>_<past participle>`` (``booking_cancelled``, ``rule_set_copied``,
``expert_updated``), the record named as its table is in the singular. The keys stored in other styles
before this rule are listed in ``OLDER_ACTION_KEYS`` and keep their style for ever.
``tests/audit/test_labels.py`` fails when an action recorded anywhere in the code, or a field of an audited
table, has no label here, and when an action outside that list breaks the style.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

# --- actions ------------------------------------------------------------------------------------------

ACTION_LABELS: dict[str, object] = {
    # generic verbs (imports, users and the oldest areas record these)
    "create": _l("Created"), "update": _l("Changed"), "delete": _l("Deleted"), "copy": _l("Copied"),
    "close": _l("Closed"),
    # accounts and sessions
    "enable": _l("Account enabled"), "disable": _l("Account disabled"),
    "login_success": _l("Logged in"), "login_failure": _l("Failed login"),
    "login_password_accepted": _l("Password accepted, second step pending"),
    "login_lockout": _l("Locked after failed logins"), "login_locked": _l("Login refused: locked"),
    "login_refused_disabled": _l("Login refused: account disabled"), "logout": _l("Logged out"),
    "password_change": _l("Password changed"), "password_reset_requested": _l("Password reset requested"),
    "sessions_ended": _l("Sessions ended"),
    "mfa_enrolment_started": _l("Two-step verification: set-up started"),
    "mfa_enabled": _l("Two-step verification turned on"), "mfa_disabled": _l("Two-step verification turned off"),
    "mfa_reset": _l("Two-step verification reset by an administrator"),
    "mfa_failure": _l("Wrong verification code"), "mfa_recovery_code_used": _l("Recovery code used"),
    "mfa_recovery_codes_renewed": _l("New recovery codes made"),
    "registration_confirmed": _l("Registration confirmed"),
    "registration_for_existing_account": _l("Registration tried for an existing account"),
    "api_token.created": _l("API token issued"), "api_token.revoked": _l("API token revoked"),
    # organisations and industries
    "organisation_created": _l("Organisation added"), "organisation_updated": _l("Organisation changed"),
    "industry_created": _l("Industry added"), "industry_updated": _l("Industry changed"),
    "ip_created": _l("Intellectual property added"), "ip_added": _l("Intellectual property added"),
    "ip_updated": _l("Intellectual property changed"), "ip_deleted": _l("Intellectual property deleted"),
    # platforms, spaces, experts
    "platform_created": _l("Platform added"), "platform_updated": _l("Platform changed"),
    "platform_managers_changed": _l("Platform managers changed"),
    "platform_recognition_current": _l("Current recognition changed"),
    "recognition_added": _l("Recognition added"), "recognition_deleted": _l("Recognition deleted"),
    "recognition_alert_sent": _l("Expiry reminder sent"),
    "space_unit_created": _l("Space unit added"), "space_unit_updated": _l("Space unit changed"),
    "space_unit_marked_bookable": _l("Space unit opened for booking"),
    "tenancy_created": _l("Tenancy started"), "tenancy_ended": _l("Tenancy ended"),
    "expert_created": _l("Expert added"), "expert_updated": _l("Expert changed"),
    "residency_created": _l("Residency started"), "residency_updated": _l("Residency changed"),
    "residency_record_added": _l("Residency result added"),
    "onsite_days_logged": _l("On-site days logged"), "onsite_day_deleted": _l("On-site day deleted"),
    # applications, review, incubation
    "application_created": _l("Application started"), "application_saved": _l("Application saved"),
    "application_document": _l("Application document uploaded"),
    "application_submit": _l("Application submitted"), "application_start_review": _l("Review started"),
    "application_return": _l("Application returned for more information"),
    "application_admit": _l("Admitted"), "application_reject": _l("Not admitted"),
    "application_withdraw": _l("Application withdrawn"),
    "admission_rule_override": _l("Admission rule overridden"),
    "pipl_consent": _l("Consent to the use of personal information"),
    "sensitive_document_viewed": _l("Sensitive document viewed"),
    "reviewer_invited": _l("Reviewer invited"), "review_assigned": _l("Review assigned"),
    "review_scored": _l("Review scored"),
    "binding_confirmed": _l("Link to the company confirmed"), "binding_refused": _l("Link to the company refused"),
    "user_bound": _l("Account linked to the company"),
    "incubation_graduated": _l("Graduated"), "incubation_exited": _l("Exited"),
    # quarterly reports
    "report_created": _l("Report started"), "report_changed": _l("Report figures changed"),
    "report_submit": _l("Report submitted"), "report_verify": _l("Report verified"),
    "report_return": _l("Report returned"), "report_reopen": _l("Verified report reopened"),
    # quarterly-report checks
    "anomaly_note": _l("Explanation of an unusual figure"),
    "anomaly_setting_changed": _l("Check of unusual figures adjusted"),
    # files
    "file_uploaded": _l("File uploaded"), "file_deleted": _l("File deleted"),
    # partnerships
    "partnership.created": _l("Agreement added"), "partnership.updated": _l("Agreement changed"),
    "partnership.deleted": _l("Agreement deleted"),
    "partnership.attachment_added": _l("Attachment added"), "partnership.attachment_deleted": _l("Attachment deleted"),
    "deliverable.created": _l("Deliverable added"), "deliverable.updated": _l("Deliverable changed"),
    "deliverable.deleted": _l("Deliverable deleted"),
    "training_cohort.created": _l("Training cohort added"), "training_cohort.updated": _l("Training cohort changed"),
    "training_cohort.deleted": _l("Training cohort deleted"),
    "institution.created": _l("Institution added"), "institution.updated": _l("Institution changed"),
    "institution_contact.created": _l("Contact added"), "institution_contact.deleted": _l("Contact deleted"),
    "tech_transfer.created": _l("Tech-transfer deal added"), "tech_transfer.updated": _l("Tech-transfer deal changed"),
    "tech_transfer.deleted": _l("Tech-transfer deal deleted"),
    "talent.created": _l("Talent added"), "talent.updated": _l("Talent changed"), "talent.deleted": _l("Talent deleted"),
    "user.bound_to_institution": _l("Account linked to the institution"),
    # targets, weights, evaluation
    "target.create": _l("Target set"), "target.update": _l("Target changed"), "target.delete": _l("Target deleted"),
    "target.propose": _l("Target proposed"), "target.approve": _l("Target approved"),
    "target.reject": _l("Target proposal rejected"),
    "weight.create": _l("Weight set"), "weight.update": _l("Weight changed"),
    "evaluation.publish": _l("Evaluation published"),
    # bookings
    "booking_resource_created": _l("Bookable resource added"), "booking_resource_updated": _l("Bookable resource changed"),
    "booking_created": _l("Booked"), "booking_changed": _l("Booking changed"), "booking_cancelled": _l("Booking cancelled"),
    "booking_approved": _l("Booking approved"), "booking_rejected": _l("Booking refused"),
    "booking_blocks_created": _l("Times blocked"), "booking_blocks_deleted": _l("Blocked times released"),
    "booking_training_recorded": _l("Training recorded"), "booking_training_removed": _l("Training removed"),
    # recognition and compliance
    "rule_set_installed": _l("Rule set installed"), "rule_set_updated": _l("Rule set changed"),
    "rule_set_copied": _l("Rule set copied"),
    "criterion_added": _l("Criterion added"), "criterion_updated": _l("Criterion changed"),
    "criterion_deleted": _l("Criterion deleted"),
    "annual_facts_created": _l("Annual figures entered"), "annual_facts_updated": _l("Annual figures changed"),
    "compliance_alerts_raised": _l("Recognition alerts raised"), "torch_exported": _l("Torch statistics exported"),
    # incentive claims (bare verbs: the claim's steps)
    "recommend": _l("Recommended"), "approve": _l("Approved"), "reject": _l("Not supported"), "pay": _l("Paid"),
    # anomaly checks of reports
    "anomaly_note": _l("Anomaly note written"), "anomaly_setting_changed": _l("Anomaly check changed"),
    # API tokens and self-registration
    "api_token.created": _l("API token issued"), "api_token.revoked": _l("API token revoked"),
    "registration_confirmed": _l("Registration confirmed"),
    "registration_for_existing_account": _l("Registration tried with an existing account's e-mail"),
}

# The style of every new action key (see the module's docstring).
NEW_ACTION_STYLE = re.compile(r"^[a-z]+(?:_[a-z]+)*_(?:[a-z]+ed|[a-z]+en|bound|sent|paid|made|set|run|done|kept|held"
                              r"|shown|left)$")

# Keys stored before the style was set (dotted, bare verbs, nouns): labelled above, never renamed.
OLDER_ACTION_KEYS = frozenset({
    "create", "update", "delete", "copy", "close", "enable", "disable", "login_success", "login_failure",
    "login_lockout", "logout", "password_change", "mfa_reset", "mfa_failure", "registration_for_existing_account",
    "api_token.created", "api_token.revoked", "platform_recognition_current", "space_unit_marked_bookable",
    "application_document", "application_submit", "application_start_review", "application_return",
    "application_admit", "application_reject", "application_withdraw", "admission_rule_override", "pipl_consent",
    "report_submit", "report_verify", "report_return", "anomaly_note", "partnership.created",
    "partnership.updated", "partnership.deleted", "partnership.attachment_added", "partnership.attachment_deleted",
    "deliverable.created", "deliverable.updated", "deliverable.deleted", "training_cohort.created",
    "training_cohort.updated", "training_cohort.deleted", "institution.created", "institution.updated",
    "institution_contact.created", "institution_contact.deleted", "tech_transfer.created", "tech_transfer.updated",
    "tech_transfer.deleted", "talent.created", "talent.updated", "talent.deleted", "user.bound_to_institution",
    "target.create", "target.update", "target.delete", "target.propose", "target.approve", "target.reject",
    "weight.create", "weight.update", "evaluation.publish", "recommend", "approve", "reject", "pay",
})

# --- record types ---------------------------------------------------------------------------------------

ENTITY_LABELS: dict[str, object] = {
    "users": _l("User"), "organisations": _l("Organisation"), "industries": _l("Industry"),
    "intellectual_property": _l("Intellectual property"), "platforms": _l("Platform"),
    "zones": _l("Zone"), "regions": _l("Region"),
    "platform_recognitions": _l("Recognition"), "space_units": _l("Space unit"), "tenancies": _l("Tenancy"),
    "experts": _l("Expert"), "residencies": _l("Residency"), "residency_records": _l("Residency result"),
    "onsite_days": _l("On-site day"), "applications": _l("Application"), "application_documents": _l("Document"),
    "review_assignments": _l("Review"), "review_meetings": _l("Review meeting"), "incubations": _l("Incubation"),
    "quarterly_reports": _l("Quarterly report"), "stored_files": _l("File"), "partnerships": _l("Agreement"),
    "partnership_deliverables": _l("Deliverable"), "partnership_attachments": _l("Attachment"),
    "training_cohorts": _l("Training cohort"), "institution_contacts": _l("Contact person"),
    "tech_transfer_deals": _l("Tech-transfer deal"), "talents": _l("Talent"), "targets": _l("Target"),
    "indicator_weights": _l("Weight"), "evaluation_snapshots": _l("Evaluation"),
    "booking_resources": _l("Bookable resource"), "bookings": _l("Booking"), "booking_blocks": _l("Blocked time"),
    "booking_trainings": _l("Training"), "compliance_rule_sets": _l("Rule set"),
    "compliance_criteria": _l("Criterion"), "platform_annual_facts": _l("Annual figures"),
    "compliance_alerts": _l("Recognition alert"), "incentive_policies": _l("Support policy"),
    "incentive_claims": _l("Claim"), "graduation_criteria_versions": _l("Graduation criteria"),
    "anomaly_notes": _l("Anomaly note"), "anomaly_settings": _l("Anomaly check setting"),
    "api_tokens": _l("API token"), "api_deletions": _l("Deletion seen by the API"),
    "pending_registrations": _l("Pending registration"),
    "anomaly_setting": _l("Anomaly check setting"),
}

# --- fields -------------------------------------------------------------------------------------------

# How a value is shown: as typed on the forms.
TEXT, WAN, YUAN, BOOL, DATE, MOMENT, PEOPLE, LIST, SCALED, PERCENT_SCALED, HIDDEN = (
    "text", "wan", "yuan", "bool", "date", "moment", "people", "list", "scaled", "percent_scaled", "hidden")


@dataclass(frozen=True)
class Field:
    label: object
    kind: str = TEXT


def _f(label, kind: str = TEXT) -> Field:
    return Field(label, kind)


_HIDDEN = Field(None, HIDDEN)

# Bookkeeping columns no person needs in a history (and secrets, never stored: see ``SECRET_COLUMNS``).
HIDDEN_FIELDS = frozenset({
    "id", "version", "created_at", "updated_at", "name_sort", "password_hash", "token_hash", "totp_secret",
    "data", "code_hash", "storage_key", "sha256", "digest", "mfa_last_step", "check_key", "beneficiary_key",
    "seq", "user_agent",
})

FIELD_LABELS: dict[str, Field] = {
    # names, codes, words
    # "Name" is 姓名 for a person elsewhere; a record's name is 名称, so it has a context of its own.
    "name": _f(lazy_pgettext("record field", "Name")), "name_zh": _f(_l("Name (Chinese)")), "name_en": _f(_l("Name (English)")),
    "title": _f(_l("Title")), "code": _f(_l("Code")), "kind": _f(_l("Kind")), "level": _f(_l("Level")),
    "category": _f(_l("Category")), "status": _f(_l("Status")), "role": _f(_l("Role")), "locale": _f(_l("Language")),
    "email": _f(_l("E-mail")), "phone": _f(_l("Phone")), "address": _f(_l("Address")), "position": _f(_l("Position")),
    "description": _f(_l("Description")), "summary": _f(_l("Summary")), "details": _f(_l("Details")),
    "note": _f(_l("Note")), "notes": _f(_l("Notes")), "comment": _f(_l("Comment")), "reason": _f(_l("Reason")),
    "number": _f(_l("Number")), "reference": _f(_l("Reference")), "field": _f(_l("Field")), "key": _f(_l("Key")),
    "section": _f(_l("Section")), "subject": _f(_l("Subject")), "body": _f(_l("Text")), "link": _f(_l("Link")),
    "scope": _f(_l("Scope")), "series": _f(_l("Series")), "attributes": _f(_l("Attributes"), LIST),
    "explanation": _f(_l("Explanation")), "purpose": _f(_l("Use")), "location": _f(_l("Location")),
    "floor": _f(_l("Floor")), "format": _f(_l("Format")), "step": _f(_l("Step")),
    "steps_done": _f(_l("Steps done"), LIST), "source": _f(_l("Source")), "source_detail": _f(_l("Source")),
    "action": _f(_l("Action")), "entity_type": _f(_l("Record type")), "entity_id": _f(_l("Record")),
    "before": _f(_l("Before")), "after": _f(_l("After")), "ip": _f(_l("IP address")),
    "period": _f(_l("Quarter")), "quarter": _f(_l("Quarter")), "quarter_end": _f(_l("Quarter end"), DATE),
    "year": _f(_l("Year")), "reference_year": _f(_l("Reference year")), "evaluated_year": _f(_l("Year evaluated")),
    "cohort_year": _f(_l("Cohort year")), "day": _f(_l("Day"), DATE), "failures": _f(_l("Failed attempts")),
    # people and links to records
    "actor_id": _f(_l("Changed by")), "actor_email": _f(_l("Changed by")), "user_id": _f(_l("User")), "owner_id": _f(_l("Owner")),
    "applicant_id": _f(_l("Applicant")), "application_id": _f(_l("Application")),
    "applications": _f(_l("Applications"), LIST), "assignment_id": _f(_l("Review")),
    "organisation_id": _f(_l("Company")), "company_id": _f(_l("Company")), "company": _f(_l("Company")),
    "company_name": _f(_l("Company name")), "company_count": _f(_l("Companies")),
    "platform_id": _f(_l("Platform")), "platforms": _f(_l("Platforms"), LIST), "host_id": _f(_l("Host organisation")),
    "zone_id": _f(_l("Zone")), "region_id": _f(_l("Region")), "parent_id": _f(_l("Part of")),
    "industry_id": _f(_l("Industry")), "institution_id": _f(_l("Institution")),
    "partner_id": _f(_l("Partner institution")), "partnership_id": _f(_l("Agreement")),
    "source_id": _f(_l("Source institution")), "recipient_id": _f(_l("Recipient company")),
    "expert_id": _f(_l("Expert")), "expert": _f(_l("Expert")), "residency_id": _f(_l("Residency")),
    "reviewer_id": _f(_l("Reviewer")), "reviewer": _f(_l("Reviewer")), "invited_by": _f(_l("Invited by")),
    "viewer": _f(_l("Viewed by")), "meeting_id": _f(_l("Review meeting")), "panel": _f(_l("Panel"), LIST),
    "incubation_id": _f(_l("Incubation")), "tenancy_id": _f(_l("Tenancy")), "unit_id": _f(_l("Space unit")),
    "space_unit_id": _f(_l("Space unit")), "unit": _f(_l("Space unit")), "units": _f(_l("Units"), LIST),
    "resource_id": _f(_l("Resource")), "resources": _f(_l("Resources"), LIST), "booking_id": _f(_l("Booking")),
    "block_id": _f(_l("Blocked time")), "blocks": _f(_l("Blocked times"), LIST),
    "cancelled_bookings": _f(_l("Bookings cancelled"), LIST), "intervals": _f(_l("Times"), LIST),
    "policy_id": _f(_l("Support policy")), "claim_id": _f(_l("Claim")), "talent_id": _f(_l("Talent")),
    "rule_set_id": _f(_l("Rule set")), "criterion_id": _f(_l("Criterion")), "criterion_code": _f(_l("Criterion")),
    "snapshot_id": _f(_l("Evaluation")), "based_on_id": _f(_l("Based on")), "based_on": _f(_l("Based on")),
    "subject_id": _f(_l("Record")), "subject_type": _f(_l("Record type")), "indicator": _f(_l("Indicator")),
    "managers": _f(_l("Managers"), LIST), "recipients": _f(_l("Recipients"), LIST), "people": _f(_l("Talents trained")),
    "members": _f(_l("Members")), "team": _f(_l("Team")), "team_members": _f(_l("Team members"), PEOPLE),
    "created_by_id": _f(_l("Created by")), "recorded_by_id": _f(_l("Recorded by")),
    "proposed_by_id": _f(_l("Proposed by")), "approved_by_id": _f(_l("Approved by")),
    "decided_by_id": _f(_l("Decided by")), "verified_by_id": _f(_l("Verified by")),
    "recommended_by_id": _f(_l("Recommended by")), "cancelled_by_id": _f(_l("Cancelled by")),
    "published_by_id": _f(_l("Published by")), "published_by_email": _f(_l("Published by")),
    "photo_id": _f(_l("Photo")), "file_id": _f(_l("File")), "stored_file_id": _f(_l("File")),
    "attachment_id": _f(_l("Attachment")), "file": _f(_l("File")), "document": _f(_l("Document")),
    "original_name": _f(_l("File name")), "content_type": _f(_l("File type")), "file_type": _f(_l("File type")),
    "size": _f(_l("Size (bytes)")), "sensitive": _f(_l("Sensitive"), BOOL),
    # organisations
    "credit_code": _f(_l("Unified social credit code")), "founded_on": _f(_l("Founded on"), DATE),
    "registered_in_zone": _f(_l("Registered in the zone"), BOOL),
    "not_registered": _f(_l("Not yet registered (a founding team)"), BOOL),
    "listing_status": _f(_l("Listing status")), "listing_date": _f(_l("Listed or acquired on"), DATE),
    "high_tech_cert_no": _f(_l("High-tech enterprise certificate number")),
    "high_tech_valid_from": _f(_l("High-tech recognition valid from"), DATE),
    "high_tech_valid_until": _f(_l("High-tech recognition valid until"), DATE),
    "filed_on": _f(_l("Filed on"), DATE), "granted_on": _f(_l("Granted on"), DATE),
    "retired": _f(_l("Retired (senior academician)"), BOOL), "academy": _f(_l("Academy")),
    "affiliation": _f(_l("Affiliation")), "region": _f(_l("Province or region")),
    "sort_order": _f(_l("Order")), "is_active": _f(_l("In use"), BOOL), "is_enabled": _f(_l("Enabled"), BOOL),
    # platforms and spaces
    "recognized_on": _f(_l("Recognised on"), DATE), "expires_on": _f(_l("Expires on"), DATE),
    "issuing_body": _f(_l("Issuing body")), "document_no": _f(_l("Document number")),
    "operating_since": _f(_l("Operating since"), DATE), "area_m2": _f(_l("Floor area (m²)")),
    "area_total_m2": _f(_l("Floor area, total (m²)")), "area_tenant_m2": _f(_l("Tenant space (m²)")),
    "area_offices_m2": _f(_l("Offices of the operator (m²)")),
    "area_public_service_m2": _f(_l("Public service space (m²)")), "stations": _f(_l("Stations")),
    "monthly_rent": _f(_l("Monthly rent"), YUAN), "starts_on": _f(_l("From"), DATE), "ends_on": _f(_l("To"), DATE),
    "ended_on": _f(_l("Ended on"), DATE), "end_reason": _f(_l("Reason for the end")),
    "min_onsite_days": _f(_l("Agreed minimum of on-site days a year")), "research_topic": _f(_l("Research topic")),
    "bookable": _f(_l("May be booked"), BOOL), "space_kind": _f(_l("Space wanted")),
    "space_note": _f(_l("Notes on the space")), "stations_wanted": _f(_l("Stations wanted")),
    # applications and review
    "business_model": _f(_l("Business model and plan")), "technology": _f(_l("Core technology")),
    "market": _f(_l("Market and customers")), "ip_summary": _f(_l("Intellectual property")),
    "funding_needed": _f(_l("Funding needed"), WAN), "funding_use": _f(_l("Use of the funds")),
    "founders_researchers": _f(_l("Founders who are researchers")),
    "founders_returnees": _f(_l("Founders returned from abroad")),
    "founders_students": _f(_l("Founders who are students")),
    "binding_status": _f(_l("Link to the company")), "submitted_at": _f(_l("Submitted at"), MOMENT),
    "decided_at": _f(_l("Decided at"), MOMENT), "decision_reason": _f(_l("Reason for the decision")),
    "decision_note": _f(_l("Decision note")), "return_reason": _f(_l("Reason for returning")),
    "returned_reason": _f(_l("Reason for returning")), "rule_override_reason": _f(_l("Reason for the override")),
    "pipl_consent_at": _f(_l("Consent given at"), MOMENT), "consent_at": _f(_l("Consent given at"), MOMENT),
    "assigned_at": _f(_l("Assigned at"), MOMENT), "conflict_declared": _f(_l("Conflict of interest declared"), BOOL),
    "conflict_note": _f(_l("Conflict of interest")), "score": _f(_l("Score")), "scores": _f(_l("Scores"), LIST),
    "weighted_score": _f(_l("Weighted score")), "held_on": _f(_l("Held on"), DATE),
    "admitted_on": _f(_l("Admitted on"), DATE), "criteria": _f(_l("Criteria"), LIST),
    "criteria_version": _f(_l("Criteria version")), "criteria_met": _f(_l("Criteria met"), LIST),
    "met": _f(_l("Met"), BOOL), "uploaded_at": _f(_l("Uploaded at"), MOMENT),
    # quarterly reports (typed in 万元 on the form)
    "revenue": _f(_l("Operating revenue"), WAN), "rd_expense": _f(_l("R&D expenditure"), WAN),
    "employees": _f(_l("Employees at period end")), "rd_staff": _f(_l("R&D staff")),
    "invention_patents_filed": _f(_l("Invention patents filed")),
    "invention_patents_granted": _f(_l("Invention patents granted")),
    "other_ip_granted": _f(_l("Utility models, designs, software copyrights")),
    "tech_contract_value": _f(_l("Technology contract turnover"), WAN), "financing": _f(_l("Equity financing"), WAN),
    "tax_paid": _f(_l("Taxes paid"), WAN), "graduates_hired": _f(_l("New graduates hired")),
    "verified_at": _f(_l("Verified at"), MOMENT), "figures_reported_at": _f(_l("Figures reported at"), MOMENT),
    # partnerships, deals, talent
    "agreement_no": _f(_l("Agreement number")), "contract_no": _f(_l("Contract number")),
    "contract_value": _f(_l("Contract value"), WAN), "value": _f(_l("Deal value"), WAN),
    "deal_date": _f(_l("Date"), DATE), "patents": _f(_l("Patents involved")), "due_on": _f(_l("Due date"), DATE),
    "delivered_on": _f(_l("Delivered on"), DATE), "completed_on": _f(_l("Completed on"), DATE),
    "enrolled": _f(_l("Students enrolled")), "completed": _f(_l("Completed")),
    "hired_in_zone": _f(_l("Hired by zone companies")), "joined_on": _f(_l("Joined on"), DATE),
    "contact_name": _f(_l("Main contact")), "contact_email": _f(_l("E-mail")), "contact_phone": _f(_l("Contact phone")),
    "occurred_on": _f(_l("Date"), DATE),
    # targets, weights, evaluation
    "value_scaled": _f(_l("Target value"), SCALED), "proposed_value_scaled": _f(_l("Proposed value"), SCALED),
    "weight_scaled": _f(_l("Weight"), SCALED), "weight": _f(_l("Weight")), "threshold_scaled": _f(_l("Threshold"), SCALED),
    "published_at": _f(_l("Published at"), MOMENT), "zone_score": _f(_l("Zone score")),
    "zone_rating": _f(_l("Zone rating")), "warnings": _f(_l("Warnings"), LIST),
    "comparison": _f(_l("Comparison")), "computation": _f(_l("Computed as")), "group_code": _f(_l("“Any of” group")),
    "basis": _f(_l("Basis")), "effective_on": _f(_l("Effective from"), DATE), "source_document": _f(_l("Source document")),
    "evaluated_at": _f(_l("Evaluated at"), MOMENT), "alerts": _f(_l("Alerts"), LIST),
    # annual facts of a platform
    "full_time_staff": _f(_l("Full-time staff")), "professional_staff": _f(_l("of which professionally trained")),
    "staff_with_degree": _f(_l("of which with a college degree or higher")),
    "returnee_staff": _f(_l("of which returned from study abroad")), "service_staff": _f(_l("Service staff")),
    "mentors": _f(_l("Startup mentors")), "events_held": _f(_l("Events held")),
    "teams_signed_in": _f(_l("Teams or companies signed in")), "teams_financed": _f(_l("Teams financed")),
    "new_companies_registered": _f(_l("New companies registered")),
    "income_total": _f(_l("Operator income, total"), WAN), "income_services": _f(_l("of which from services"), WAN),
    "income_property": _f(_l("of which from property"), WAN),
    "income_investment": _f(_l("of which from investment"), WAN), "incubation_fund": _f(_l("Incubation fund"), WAN),
    "subsidies_received": _f(_l("Subsidies received"), WAN), "tenant_subsidies": _f(_l("Subsidies received by tenants"), WAN),
    "profit": _f(_l("Profit"), WAN), "taxes": _f(_l("Taxes paid"), WAN),
    # bookings
    "audience": _f(_l("Who may book")), "capacity": _f(_l("Capacity (persons)")), "open_days": _f(_l("Open on"), LIST),
    "opens_at": _f(_l("Opens at")), "closes_at": _f(_l("Closes at")), "slot_minutes": _f(_l("Slot length (minutes)")),
    "slot_start": _f(_l("Slot"), MOMENT), "starts_at": _f(_l("Starts at"), MOMENT), "ends_at": _f(_l("Ends at"), MOMENT),
    "max_hours_per_day": _f(_l("At most hours per day per company")),
    "max_hours_per_week": _f(_l("At most hours per week per company")),
    "cancel_deadline_hours": _f(_l("Cancellation deadline (hours before start)")),
    "requires_approval": _f(_l("Bookings need a manager's approval"), BOOL),
    "requires_training": _f(_l("Only users trained on it may book"), BOOL),
    "price": _f(_l("Price"), YUAN), "price_tenant": _f(_l("Price per hour for tenants and zone companies"), YUAN),
    "price_outsider": _f(_l("Price per hour for outside users"), YUAN),
    "cancel_reason": _f(_l("Reason for cancelling")), "cancelled_at": _f(_l("Cancelled at"), MOMENT),
    # incentive policies and claims
    "budget": _f(_l("Total budget"), WAN), "cap": _f(_l("Cap per beneficiary"), WAN),
    "minimum_basis": _f(_l("Minimum of the basis"), WAN), "rate": _f(_l("Rate (%)")),
    "rate_scaled": _f(_l("Rate (%)"), PERCENT_SCALED), "fixed_amounts": _f(_l("Fixed amounts"), LIST),
    "allocation": _f(_l("When the amounts exceed the budget")), "conditions": _f(_l("Conditions")),
    "required_documents": _f(_l("Documents a claim needs")), "computed_amount": _f(_l("Amount computed"), WAN),
    "approved_amount": _f(_l("Amount approved"), WAN), "paid_amount": _f(_l("Amount paid"), WAN),
    "paid_on": _f(_l("Paid on"), DATE), "voucher_no": _f(_l("Voucher number")),
    "recommendation_note": _f(_l("Recommendation")), "recommended_at": _f(_l("Recommended at"), MOMENT),
    # accounts
    "last_login_at": _f(_l("Last login"), MOMENT), "last_seen_at": _f(_l("Last seen"), MOMENT),
    "last_failure_at": _f(_l("Last failed login"), MOMENT), "locked_until": _f(_l("Locked until"), MOMENT),
    "password_changed_at": _f(_l("Password changed at"), MOMENT), "mfa_enabled": _f(_l("Two-step verification"), BOOL),
    "mfa_enabled_at": _f(_l("Two-step verification since"), MOMENT),
    "recovery_codes": _f(_l("Recovery codes")), "recovery_codes_left": _f(_l("Recovery codes left")),
    "second_step": _f(_l("Second step")), "sessions_ended": _f(_l("Sessions ended")),
    "used_at": _f(_l("Used at"), MOMENT), "expires_at": _f(_l("Expires at"), MOMENT),
    "sent_at": _f(_l("Sent at"), MOMENT), "read_at": _f(_l("Read at"), MOMENT),
    "occurred_at": _f(_l("When"), MOMENT), "deleted_at": _f(_l("Deleted at"), MOMENT),
    "token": _f(_l("API token")), "prefix": _f(_l("Token prefix")), "area": _f(_l("Area of the API")),
    "last_used_at": _f(_l("Last used"), MOMENT), "revoked_at": _f(_l("Revoked at"), MOMENT),
    "revoked_by_id": _f(_l("Revoked by")), "tokens_voided": _f(_l("API tokens revoked")),
    "links_voided": _f(_l("Confirmation links voided")), "resource": _f(_l("Kind of record")),
    "record_id": _f(_l("Record")),
    # anomaly checks
    "check": _f(_l("Check")), "check_code": _f(_l("Check")), "report_id": _f(_l("Quarterly report")),
    "author_id": _f(_l("Written by")), "enabled": _f(_l("Enabled"), BOOL), "parameters": _f(_l("Parameters")),
    "updated_by_id": _f(_l("Changed by")), "anomalies_frozen": _f(_l("Anomaly flags at publication")),
    "zone_name_zh": _f(_l("Zone name (Chinese)")), "zone_name_en": _f(_l("Zone name (English)")),
    **{name: _HIDDEN for name in HIDDEN_FIELDS},
}

# The same key meaning something else in one kind of record.
ENTITY_FIELD_LABELS: dict[tuple[str, str], Field] = {
    ("applications", "team"): _f(_l("Team members"), PEOPLE),
    ("platform_annual_facts", "members"): _f(_l("Members of those teams")),
    ("platform_annual_facts", "team_members"): _f(_l("Members of those teams")),
    ("talents", "team"): _f(_l("Talent team")),
    ("tenancies", "monthly_rent"): _f(_l("Monthly rent agreed"), YUAN),
}

# The columns of a team member in an application (the PEOPLE table's headers).
PERSON_LABELS: dict[str, object] = {
    "name": _l("Full name"), "role": _l("Role"), "education": _l("Education"), "ventures": _l("Prior ventures"),
}

SOURCE_LABELS = {
    "web": _l("Web"), "import": _l("Import"), "cli": _l("Command line"), "system": _l("System"),
}


def action_label(action: str) -> str:
    """The readable name of an action, or its key when it has none (the labels test keeps that from happening)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def entity_label(entity_type: str | None) -> str:
    label = ENTITY_LABELS.get(entity_type or "")
    return str(label) if label is not None else (entity_type or "")


def field_of(entity_type: str | None, key: str) -> Field | None:
    """How the field ``key`` of a record of ``entity_type`` is named and shown, or None when it has no label."""
    return ENTITY_FIELD_LABELS.get((entity_type or "", key)) or FIELD_LABELS.get(key)


def source_label(source: str) -> str:
    label = SOURCE_LABELS.get(source)
    return str(label) if label is not None else source
