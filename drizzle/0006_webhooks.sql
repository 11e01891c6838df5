ALTER TABLE `deliveries` ADD `target` text;--> statement-breakpoint
ALTER TABLE `forms` ADD `webhooks` text DEFAULT '[]' NOT NULL;