//! The problem list (问题整改): raising, answering and verifying a problem against the
//! real database, with each role's refusals, the worst-first order and the history.

use chrono::Duration;
use shian::accounts::{self, Role, User};
use shian::problems::{self, Answer, Filter, NewProblem, Refusal, State, Verdict};

use crate::support::TestApp;

async fn user(app: &TestApp, name: &str, role: Role, org: Option<&str>) -> User {
    let id = app.create_user(name, role, org, "Problem-Pass-2026").await;
    accounts::find(&app.pool, id).await.unwrap().unwrap()
}

#[tokio::test]
async fn a_problem_is_answered_returned_answered_again_and_closed() {
    let app = TestApp::spawn().await;
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let today = campaign.today();
    let office = user(&app, "po-office", Role::Office, Some("市食安办")).await;
    let clerk = user(&app, "po-karuo", Role::Department, Some("卡若区")).await;
    let other_clerk = user(&app, "po-jiangda", Role::Department, Some("江达县")).await;
    let leader = user(&app, "po-leader", Role::Viewer, None).await;
    let karuo = clerk.organisation_id.unwrap();

    // Only the office raises; the deadline cannot be in the past.
    let deadline = today + Duration::days(10);
    assert_eq!(
        NewProblem::check(&clerk, "", None, "台账不全", karuo, deadline, today),
        Err(Refusal::NotOffice)
    );
    let new = NewProblem::check(
        &office,
        "市委督查",
        None,
        "农贸市场快检室台账不全",
        karuo,
        deadline,
        today,
    )
    .unwrap();
    let id = problems::raise(&app.pool, campaign.id, office.id, &new)
        .await
        .unwrap();
    let problem = problems::find(&app.pool, id).await.unwrap().unwrap();
    assert_eq!(problem.state, State::Open);
    assert_eq!(problem.organisation_name, "卡若区");

    // Another county and a leader cannot answer; a submission without 整改措施 is refused.
    for refused in [&other_clerk, &leader, &office] {
        assert_eq!(
            Answer::check(refused, &problem.standing(), "已整改", true),
            Err(Refusal::NotResponsible)
        );
    }
    assert_eq!(
        Answer::check(&clerk, &problem.standing(), "  ", true),
        Err(Refusal::NoMeasures)
    );
    let answer = Answer::check(&clerk, &problem.standing(), "补齐快检台账", true).unwrap();
    assert!(
        problems::answer(&app.pool, id, clerk.id, &answer)
            .await
            .unwrap()
    );
    // A second tab's submission finds the problem already submitted and writes nothing.
    assert!(
        !problems::answer(&app.pool, id, clerk.id, &answer)
            .await
            .unwrap()
    );

    let problem = problems::find(&app.pool, id).await.unwrap().unwrap();
    assert_eq!(problem.state, State::Submitted);
    assert_eq!(
        Verdict::check(&clerk, &problem.standing(), true, ""),
        Err(Refusal::NotVerifier)
    );
    assert_eq!(
        Verdict::check(&office, &problem.standing(), false, ""),
        Err(Refusal::NoComment)
    );
    let back = Verdict::check(&office, &problem.standing(), false, "缺少照片").unwrap();
    assert!(
        problems::verify(&app.pool, id, office.id, &back)
            .await
            .unwrap()
    );

    let problem = problems::find(&app.pool, id).await.unwrap().unwrap();
    assert_eq!(problem.state, State::Returned);
    let again = Answer::check(&clerk, &problem.standing(), "补齐快检台账并附照片", true).unwrap();
    assert!(
        problems::answer(&app.pool, id, clerk.id, &again)
            .await
            .unwrap()
    );
    let problem = problems::find(&app.pool, id).await.unwrap().unwrap();
    let close = Verdict::check(&office, &problem.standing(), true, "").unwrap();
    assert!(
        problems::verify(&app.pool, id, office.id, &close)
            .await
            .unwrap()
    );

    let problem = problems::find(&app.pool, id).await.unwrap().unwrap();
    assert_eq!(problem.state, State::Closed);
    assert!(problem.closed_at.is_some());
    assert_eq!(problem.measures, "补齐快检台账并附照片");
    assert_eq!(
        Answer::check(&clerk, &problem.standing(), "x", true),
        Err(Refusal::AlreadyClosed)
    );
    let kinds: Vec<String> = problems::history(&app.pool, id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        ["raised", "submitted", "returned", "submitted", "closed"]
    );
}

#[tokio::test]
async fn overdue_problems_are_counted_and_listed_before_the_rest() {
    let app = TestApp::spawn().await;
    let campaign = shian::campaigns::current(&app.pool).await.unwrap().unwrap();
    let today = campaign.today();
    let office = user(&app, "pl-office", Role::Office, Some("市食安办")).await;
    let karuo = user(&app, "pl-karuo", Role::Department, Some("卡若区")).await;
    let karuo = karuo.organisation_id.unwrap();
    let jiangda = user(&app, "pl-jiangda", Role::Department, Some("江达县")).await;
    let jiangda = jiangda.organisation_id.unwrap();

    let mut ids = Vec::new();
    for (org, days, text) in [
        (karuo, 5, "later"),
        (jiangda, 1, "sooner"),
        (karuo, 2, "middle"),
    ] {
        let new = NewProblem::check(
            &office,
            "",
            None,
            text,
            org,
            today + Duration::days(days),
            today,
        )
        .unwrap();
        ids.push(
            problems::raise(&app.pool, campaign.id, office.id, &new)
                .await
                .unwrap(),
        );
    }
    // Two deadlines pass (set in the database: a deadline cannot be raised in the past).
    sqlx::query("UPDATE problems SET deadline = deadline - 4 WHERE id = ANY($1)")
        .bind(&ids[1..])
        .execute(&app.pool)
        .await
        .unwrap();

    let all = problems::list(&app.pool, campaign.id, &Filter::default())
        .await
        .unwrap();
    let order: Vec<&str> = all.iter().map(|p| p.description.as_str()).collect();
    assert_eq!(order, ["sooner", "middle", "later"]);
    assert_eq!(
        problems::overdue_count(&app.pool, campaign.id, today)
            .await
            .unwrap(),
        2
    );

    let overdue_of_karuo = problems::list(
        &app.pool,
        campaign.id,
        &Filter {
            organisation_id: Some(karuo),
            overdue_on: Some(today),
            ..Filter::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(overdue_of_karuo.len(), 1);
    assert_eq!(overdue_of_karuo[0].description, "middle");
    assert_eq!(overdue_of_karuo[0].standing().days_overdue(today), 2);
}
