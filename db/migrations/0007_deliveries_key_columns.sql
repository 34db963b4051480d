PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` integer NOT NULL,
	`person_id` integer NOT NULL,
	`channel` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`lease_until` integer,
	`last_error` text,
	`fallback_of` integer,
	`sent_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_deliveries`("id", "event_id", "person_id", "channel", "state", "attempts", "next_attempt_at", "lease_until", "last_error", "fallback_of", "sent_at", "created_at") SELECT "id", "event_id", "person_id", "channel", "state", "attempts", "next_attempt_at", "lease_until", "last_error", "fallback_of", "sent_at", "created_at" FROM `deliveries`;--> statement-breakpoint
DROP TABLE `deliveries`;--> statement-breakpoint
ALTER TABLE `__new_deliveries` RENAME TO `deliveries`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_idempotency` ON `deliveries` (`event_id`,`person_id`,`channel`);--> statement-breakpoint
CREATE INDEX `deliveries_due_by_channel` ON `deliveries` (`state`,`channel`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `deliveries_person` ON `deliveries` (`person_id`);