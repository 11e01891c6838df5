ALTER TABLE `forms` ADD `auto_reply` text;--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_autoreply_once` ON `deliveries` (`target`) WHERE "deliveries"."channel" = 'autoreply';