/* pages.h: the /webhook dashboard pages, one file per page. */
#ifndef HL_PAGES_H
#define HL_PAGES_H
#include "hl_reveals.h"
#include "request.h"

void page_login_form(struct hl_req *r);
void page_login_submit(struct hl_req *r);
void page_logout(struct hl_req *r);
void page_manage(struct hl_req *r);
void page_static(struct hl_req *r);
void page_home(struct hl_req *r);
void page_manage_new(struct hl_req *r);
void page_manage_create(struct hl_req *r);
void page_manage_edit(struct hl_req *r);
void page_manage_update(struct hl_req *r);
void page_manage_enable(struct hl_req *r);
void page_manage_disable(struct hl_req *r);
void page_manage_delete(struct hl_req *r);
void page_manage_delete_confirm(struct hl_req *r);
void page_events_type_create(struct hl_req *r);
void page_manage_rotate(struct hl_req *r);
void page_manage_secret(struct hl_req *r);
void page_events(struct hl_req *r);
void page_event(struct hl_req *r);
void page_deliveries(struct hl_req *r);
void page_delivery(struct hl_req *r);
void page_delivery_retry(struct hl_req *r);
void page_deliveries_retry(struct hl_req *r);
void page_analytics(struct hl_req *r);
void page_analytics_csv(struct hl_req *r);
void page_testing(struct hl_req *r);
void page_testing_send(struct hl_req *r);
void page_testing_verify(struct hl_req *r);
void page_testing_inspect_new(struct hl_req *r);
void page_testing_inspect(struct hl_req *r);
void page_inspect_receive(struct hl_req *r);
void page_incoming(struct hl_req *r);
void page_incoming_create(struct hl_req *r);
void page_incoming_source(struct hl_req *r);
void page_incoming_update(struct hl_req *r);
void page_incoming_delete(struct hl_req *r);
void page_incoming_rotate(struct hl_req *r);
void page_incoming_secret(struct hl_req *r);
void page_incoming_request(struct hl_req *r);

/* Render a page template with the shared layout data (user, CSRF token,
 * navigation); status is the HTTP status. */
void hl_page_render(struct hl_req *r, int status, const char *template_name);
/* hl_page_render for a page of the dashboard: its title, the navigation entry
 * it highlights, and the "done" notice a redirect after a form asked for. */
void hl_page_show(struct hl_req *r, int status, const char *title, const char *nav,
    const char *template_name);
/* An error page (403, 404 ...) with a message shown as text. */
void hl_page_error(struct hl_req *r, int status, const char *message);
/* Create the dataset on demand. */
HDF *hl_page_hdf(struct hl_req *r);
/* A form / query value, "" when absent (buf is returned). A value that
 * does not fit cap or does not decode is "" too, and is remembered for
 * hl_page_form_check, and what was typed for hl_page_keep. */
const char *hl_page_form(struct hl_req *r, const char *name, char *buf, size_t cap);
const char *hl_page_query(struct hl_req *r, const char *name, char *buf, size_t cap);
/* hl_page_form for text limited to maxchars characters (UTF-8): buf has
 * HL_PAGE_TEXT_CAP(maxchars) bytes, so that any maxchars characters fit;
 * more characters, or text that is not UTF-8, is refused as above. */
#define HL_PAGE_TEXT_CAP(maxchars) ((maxchars) * 4 + 1)
const char *hl_page_form_text(struct hl_req *r, const char *name, char *buf, size_t cap,
	size_t maxchars);
/* HL_OK when every value hl_page_form and hl_page_query read was whole;
 * else HL_ERR_INVALID with the first unreadable field as the error's
 * field and a message that gives the limit ("description is longer than
 * 500 characters (it has 612): shorten it"). A page calls it before it
 * changes anything. */
hl_err hl_page_form_check(struct hl_req *r);
/* Put back what was typed into the fields names (NULL-terminated) that
 * were refused for their length, as prefix.NAME ("Page.Form"), so that
 * the form shows it again (escaped by the template like any value) next
 * to the error. The page names only fields it shows: never a secret. */
void hl_page_keep(struct hl_req *r, const char *prefix, const char *const names[]);
/* The event type catalog under prefix: prefix.Families.N.{name, wildcard,
 * checked, types.M.{name, description, schema, checked}}, prefix.AllChecked;
 * sel (array of patterns, may be NULL) marks what is checked. */
hl_err hl_page_catalog(struct hl_req *r, const char *prefix, json_object *sel);
/* The patterns checked in a posted subscription form ("sub.NAME" boxes). */
json_object *hl_page_catalog_selection(struct hl_req *r);
/* A JSON value as indented text at key (nothing for NULL). */
void hl_page_json_text(HDF *hdf, const char *key, json_object *v);
/* Headers (a JSON object) as prefix.N.{name, value}: header names are
 * data and must never become dataset names. */
void hl_page_headers(HDF *hdf, const char *prefix, json_object *h);
/* Answer a core error as an error page (404, 400/409 with the message, 500). */
void hl_page_core_error(struct hl_req *r, hl_err rc, const char *what);
/* A list page's filters, declared: a table of them (ending with a
 * {NULL} entry) and hl_page_filters read and check the query (or the
 * posted form) against it before the page lists anything. */
enum hl_page_filter_kind {
	HL_PF_CHOICE,     /* one of choices */
	HL_PF_SINCE,      /* a time in UTC (datetime-local or RFC 3339) */
	HL_PF_UNTIL,      /* the same, later than the HL_PF_SINCE */
	HL_PF_TYPE,       /* one event type name (sms.delivered) */
	HL_PF_TYPES,      /* an event type name or a whole family (sms.*) */
	HL_PF_ID,         /* an id with prefix (what names it: "a webhook") */
	HL_PF_ITERATOR,   /* the list's position, an id with prefix, as a page gave it */
	HL_PF__MAX
};

struct hl_page_filter {
	const char *name;
	enum hl_page_filter_kind kind;
	const char *const *choices;   /* HL_PF_CHOICE: NULL-terminated */
	int all;                      /* HL_PF_CHOICE: empty means all */
	const char *prefix;           /* HL_PF_ID, HL_PF_ITERATOR */
	const char *what;             /* HL_PF_ID */
};

struct hl_page_filter_value {
	char text[160];   /* as typed when valid; "" when absent or not valid */
	char sql[32];     /* HL_PF_SINCE, HL_PF_UNTIL: the time in SQL */
	int choice;       /* HL_PF_CHOICE: the index in choices, -1 when none */
};

/* Read the filters decl into v (one per entry), each whole (a value too
 * long for a buffer is never taken for an absent one: it would widen
 * the list) and echo each as typed into Page.Filter.NAME, so that the
 * form shows it again. 0 when every one is valid; -1 when one is not:
 * Page.FieldError.NAME says why (an until not later than the since
 * too), or for the iterator Page.Stale and Page.FirstPage (the page's
 * path and query without the iterator, after Site.Base). The page then
 * lists nothing and answers 400. */
int hl_page_filters(struct hl_req *r, int from_form, const struct hl_page_filter *decl,
	struct hl_page_filter_value *v);
/* until (SQL) not later than since, both set: -1, noted at
 * Page.FieldError.until; else 0. */
int hl_page_time_order(struct hl_req *r, const char *since, const char *until);
/* The account's endpoints for an endpoint_select (macros.cs) in
 * Page.Endpoints: the first HL_LIST_MAX, and Page.EndpointsMore when
 * there are more (the select becomes a field for an id). */
void hl_page_endpoint_options(struct hl_req *r);
/* Post/Redirect/Get for a result that holds a secret shown once: seal
 * the string members of answer that members (NULL-terminated) names for
 * this session (hl_reveals.h) and answer 303 to
 * /webhook/SECTION/SUBJECT/secret?reveal=ID, whose GET shows them once
 * (hl_page_reveal_take). answer is not taken. done says what the POST
 * did; it already happened, so when the secrets cannot be kept the error
 * page says so and what to do. */
void hl_page_reveal_redirect(struct hl_req *r, const char *section, const char *subject,
	const char *kind, json_object *answer, const char *const *members, const char *done);
/* The secrets ?reveal= names for subject, taken (so a reload shows them
 * no more), or NULL; kind as hl_reveal_put was given it. The caller
 * releases them with hl_reveal_wipe. */
json_object *hl_page_reveal_take(struct hl_req *r, const char *subject,
	char kind[HL_REVEAL_KIND_MAX]);

#endif
