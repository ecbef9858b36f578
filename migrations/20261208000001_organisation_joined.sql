-- The day an organisation joined the campaign (issue 16 §2). An organisation added in
-- the middle of a campaign owes the monthly reports due after that day, never before; it
-- is not late for months it did not exist in. NULL: a member since the campaign began
-- (every organisation created with the campaign, by the rubric import or the demo).
ALTER TABLE organisations ADD COLUMN joined_on DATE;
