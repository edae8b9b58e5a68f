-- 020_headers_sealed.sql: an endpoint's custom headers are sealed at rest.
-- Their values are receivers' credentials (X-Token: ...), redacted on
-- every page and in the attempt log, but headers_json held them as
-- plaintext for any database reader or backup. headers_sealed holds the
-- JSON object hl_seal'ed with Security.MasterKey (TEXT: the largest
-- object hl_endpoint_opts.c accepts fits, sealed). SQL cannot seal, so
-- the rows from before keep headers_json until `hooklinectl rekey` seals
-- them (compare-and-set, beside the web app and the runners); until
-- then a non-NULL headers_json is what is sent, and writers of this
-- release set it NULL. Re-runnable (ADD COLUMN IF NOT EXISTS).
ALTER TABLE endpoints
	ADD COLUMN IF NOT EXISTS headers_sealed TEXT NULL AFTER headers_json;
