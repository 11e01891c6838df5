ALTER TABLE `forms` ADD `spam` text DEFAULT '{"captcha":null,"minSeconds":0,"maxLinks":null,"blockedWords":[],"blockedEmailDomains":[],"blockedIps":[],"formLimit":null}' NOT NULL;--> statement-breakpoint
ALTER TABLE `forms` ADD `retention_days` integer;--> statement-breakpoint
ALTER TABLE `forms` ADD `spam_retention_days` integer DEFAULT 30 NOT NULL;