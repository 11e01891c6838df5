ALTER TABLE `deliveries` ADD `delivered_to` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- Before this column, a partial refusal narrowed `recipients` to the refused ones: the form's other recipients had accepted.
UPDATE `deliveries` SET `delivered_to` = (
	SELECT json_group_array(`r`.`value`)
	FROM `submissions` `s` JOIN `forms` `f` ON `f`.`id` = `s`.`form_id`, json_each(`f`.`recipients`) `r`
	WHERE `s`.`id` = `deliveries`.`submission_id`
		AND lower(`r`.`value`) NOT IN (SELECT lower(`value`) FROM json_each(`deliveries`.`recipients`))
) WHERE `status` <> 'sent' AND `attempts` > 0;
