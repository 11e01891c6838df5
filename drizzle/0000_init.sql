CREATE TABLE `deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`submission_id` text NOT NULL,
	`channel` text DEFAULT 'email' NOT NULL,
	`recipients` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`retry_since` integer NOT NULL,
	`next_attempt_at` integer,
	`lease_until` integer,
	`message_id` text NOT NULL,
	`last_error` text,
	`sent_at` integer
);
--> statement-breakpoint
CREATE INDEX `deliveries_due` ON `deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `deliveries_submission` ON `deliveries` (`submission_id`);--> statement-breakpoint
CREATE TABLE `delivery_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`delivery_id` text NOT NULL,
	`at` integer NOT NULL,
	`outcome` text NOT NULL,
	`reply` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `delivery_attempts_delivery` ON `delivery_attempts` (`delivery_id`);--> statement-breakpoint
CREATE TABLE `forms` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`recipients` text NOT NULL,
	`fields` text NOT NULL,
	`allowed_origins` text NOT NULL,
	`redirect_url` text,
	`subject` text,
	`extra_fields` text DEFAULT 'keep' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rate_limits` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `submissions` (
	`id` text PRIMARY KEY NOT NULL,
	`form_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`status` text NOT NULL,
	`data` text NOT NULL,
	`meta` text NOT NULL,
	`idempotency_key` text,
	`body_hash` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `submissions_form_idempotency` ON `submissions` (`form_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `submissions_form_id` ON `submissions` (`form_id`,`id`);