-- The full postcode is kept encrypted (signals.postcode) and nowhere else in plain text. Route
-- reasons stored before this migration named it ("Postcode 1503 AB valt onder ..."): they keep
-- the PC4 only ("Postcode 1503 valt onder ..."). Every reason with a postcode starts with
-- "Postcode " and the postcode as the intake wrote it ("1503 AB", or "1503AB" in any case);
-- two set-based updates, one scan of the table however many signals it holds.
UPDATE signals
SET route_reason = 'Postcode ' || substr(route_reason, 10, 4) || substr(route_reason, 17)
WHERE route_reason GLOB 'Postcode [1-9][0-9][0-9][0-9] [A-Za-z][A-Za-z] *';
UPDATE signals
SET route_reason = 'Postcode ' || substr(route_reason, 10, 4) || substr(route_reason, 16)
WHERE route_reason GLOB 'Postcode [1-9][0-9][0-9][0-9][A-Za-z][A-Za-z] *';
