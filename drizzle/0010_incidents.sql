CREATE TABLE `incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`opened_at` integer NOT NULL,
	`summary` text NOT NULL,
	`closed_at` integer,
	`closed_by` text
);
