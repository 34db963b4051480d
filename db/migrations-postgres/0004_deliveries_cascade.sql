-- Deleting a person or a notification event deletes their deliveries, as the foreign keys' ON
-- DELETE CASCADE did until 0003 dropped them (why: the deliveries table in db/schema.ts). An
-- incident's deletion reaches its deliveries the same way: it cascades to its events. Once per
-- statement, over the rows it deleted.
CREATE FUNCTION "deliveries_of_deleted_people"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "deliveries" d USING "deleted" p WHERE d."person_id" = p."id";
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "people_delete_deliveries" AFTER DELETE ON "people"
  REFERENCING OLD TABLE AS "deleted" FOR EACH STATEMENT
  EXECUTE FUNCTION "deliveries_of_deleted_people"();--> statement-breakpoint
CREATE FUNCTION "deliveries_of_deleted_events"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "deliveries" d USING "deleted" e WHERE d."event_id" = e."id";
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "notification_events_delete_deliveries" AFTER DELETE ON "notification_events"
  REFERENCING OLD TABLE AS "deleted" FOR EACH STATEMENT
  EXECUTE FUNCTION "deliveries_of_deleted_events"();
