ALTER TABLE `submissions` ADD `read_at` integer;--> statement-breakpoint
-- What came in before the admin counted unread mail is not news: only what arrives from now on is.
UPDATE `submissions` SET `read_at` = `created_at`;--> statement-breakpoint
CREATE INDEX `submissions_unread` ON `submissions` (`form_id`,`status`) WHERE read_at IS NULL;
