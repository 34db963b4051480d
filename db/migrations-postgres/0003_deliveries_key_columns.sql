ALTER TABLE "deliveries" DROP CONSTRAINT "deliveries_event_id_notification_events_id_fk";
--> statement-breakpoint
ALTER TABLE "deliveries" DROP CONSTRAINT "deliveries_person_id_people_id_fk";
--> statement-breakpoint
DROP INDEX "deliveries_event";--> statement-breakpoint
DROP INDEX "deliveries_idempotency";--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_idempotency" ON "deliveries" USING btree ("event_id","person_id","channel");--> statement-breakpoint
ALTER TABLE "deliveries" DROP COLUMN "idempotency_key";