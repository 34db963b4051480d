-- Deleting a person or a notification event deletes their deliveries, as the foreign keys' ON
-- DELETE CASCADE did until 0007 dropped them (why: the deliveries table in db/schema.ts). An
-- incident's deletion reaches its deliveries the same way: it cascades to its events.
CREATE TRIGGER `people_delete_deliveries` AFTER DELETE ON `people` FOR EACH ROW
BEGIN
  DELETE FROM `deliveries` WHERE `person_id` = OLD.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `notification_events_delete_deliveries` AFTER DELETE ON `notification_events` FOR EACH ROW
BEGIN
  DELETE FROM `deliveries` WHERE `event_id` = OLD.`id`;
END;
