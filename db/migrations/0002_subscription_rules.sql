CREATE TABLE `subscription_rule_targets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`rule_id` integer NOT NULL,
	`person_id` integer,
	`team_id` integer,
	FOREIGN KEY (`rule_id`) REFERENCES `subscription_rules`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`team_id`) REFERENCES `stakeholder_teams`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "subscription_rule_targets_one_target" CHECK(("subscription_rule_targets"."person_id" IS NULL) <> ("subscription_rule_targets"."team_id" IS NULL))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscription_rule_targets_person` ON `subscription_rule_targets` (`rule_id`,`person_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `subscription_rule_targets_team` ON `subscription_rule_targets` (`rule_id`,`team_id`);--> statement-breakpoint
CREATE INDEX `subscription_rule_targets_by_person` ON `subscription_rule_targets` (`person_id`);--> statement-breakpoint
CREATE INDEX `subscription_rule_targets_by_team` ON `subscription_rule_targets` (`team_id`);--> statement-breakpoint
CREATE TABLE `subscription_rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`service` text,
	`severities` text,
	`created_by` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`created_by`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE set null,
	CONSTRAINT "subscription_rules_condition" CHECK("subscription_rules"."service" IS NOT NULL OR "subscription_rules"."severities" IS NOT NULL)
);
