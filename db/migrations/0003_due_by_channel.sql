DROP INDEX `deliveries_due`;--> statement-breakpoint
CREATE INDEX `deliveries_due_by_channel` ON `deliveries` (`state`,`channel`,`next_attempt_at`);