CREATE TABLE `platform_profiles` (
	`platform` text NOT NULL,
	`user_id` text NOT NULL,
	`profile` text NOT NULL,
	`fetched_at` integer NOT NULL,
	PRIMARY KEY(`platform`, `user_id`)
);
--> statement-breakpoint
CREATE INDEX `platform_profiles_fetched` ON `platform_profiles` (`fetched_at`);