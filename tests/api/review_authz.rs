//! Who may call what: player, operator, reviewer, supervisor and admin
//! against every reviewer endpoint, and reviewers against operator and
//! player endpoints.

use kyc_store::Engine;
use serde_json::json;

use crate::fixtures;
use crate::helpers::*;
use crate::review::{add_reviewer, decision, upload_all};

#[tokio::test]
async fn the_authorization_matrix_holds() {
    let app = spawn_app(Engine::Sqlite).await;
    let reviewer = add_reviewer(&app, "rita", "reviewer");
    let supervisor = add_reviewer(&app, "sue", "supervisor");
    let admin = add_reviewer(&app, "ada", "admin");
    let case = app.open_default_case().await;
    let doc = upload_all(&app, &case, &["identity"], 90).await.remove(0);
    let c = &case.id;

    let call = |method: &'static str, path: String, token: Option<String>| {
        let app = &app;
        async move {
            let url = app.url(&path);
            let request = match method {
                "GET" => app.client.get(url),
                _ => app.client.post(url).json(&json!({})),
            };
            let request = match token {
                Some(t) => request.bearer_auth(t),
                None => request,
            };
            request.send().await.unwrap().status().as_u16()
        }
    };

    let review_endpoints = [
        ("GET", "/v1/review/queue".to_owned()),
        ("GET", format!("/v1/review/cases/{c}")),
        ("POST", format!("/v1/review/cases/{c}/claim")),
        ("POST", format!("/v1/review/cases/{c}/release")),
        ("GET", format!("/v1/review/cases/{c}/audit")),
        ("GET", format!("/v1/review/documents/{doc}")),
        ("GET", format!("/v1/review/documents/{doc}/image")),
        ("POST", format!("/v1/review/documents/{doc}/decision")),
        (
            "POST",
            format!("/v1/review/documents/{doc}/decision/confirm"),
        ),
        (
            "POST",
            format!("/v1/review/documents/{doc}/decision/decline"),
        ),
    ];
    // Nobody but a reviewer gets into the review API.
    let outsiders = [
        None,
        Some(case.upload_token.clone()),
        Some(OPERATOR_TOKEN.to_owned()),
        Some("kyc_rv_forged".to_owned()),
    ];
    for (method, path) in &review_endpoints {
        for token in &outsiders {
            assert_eq!(
                call(method, path.clone(), token.clone()).await,
                401,
                "{method} {path} with {token:?}"
            );
        }
    }

    // Reading: every role; the audit trail: supervisors and admins.
    for token in [&reviewer, &supervisor, &admin] {
        for path in [
            "/v1/review/queue".to_owned(),
            format!("/v1/review/cases/{c}"),
            format!("/v1/review/documents/{doc}"),
            format!("/v1/review/documents/{doc}/image"),
        ] {
            assert_eq!(
                call("GET", path.clone(), Some(token.clone())).await,
                200,
                "{path}"
            );
        }
    }
    let audit = format!("/v1/review/cases/{c}/audit");
    assert_eq!(
        call("GET", audit.clone(), Some(reviewer.clone())).await,
        403
    );
    assert_eq!(
        call("GET", audit.clone(), Some(supervisor.clone())).await,
        200
    );
    assert_eq!(call("GET", audit, Some(admin.clone())).await, 200);

    // Confirming a rejection: supervisors and admins (here: nothing pending).
    for suffix in ["confirm", "decline"] {
        let path = format!("/v1/review/documents/{doc}/decision/{suffix}");
        assert_eq!(
            call("POST", path.clone(), Some(reviewer.clone())).await,
            403
        );
        assert_eq!(
            call("POST", path.clone(), Some(supervisor.clone())).await,
            409
        );
        assert_eq!(call("POST", path, Some(admin.clone())).await, 409);
    }

    // Claims: the first wins; without the claim no role decides.
    let claim = format!("/v1/review/cases/{c}/claim");
    assert_eq!(
        call("POST", claim.clone(), Some(reviewer.clone())).await,
        200
    );
    assert_eq!(
        call("POST", claim.clone(), Some(supervisor.clone())).await,
        409
    );
    assert_eq!(call("POST", claim, Some(admin.clone())).await, 409);
    let decide = format!("/v1/review/documents/{doc}/decision");
    for token in [&supervisor, &admin] {
        let response = app
            .client
            .post(app.url(&decide))
            .bearer_auth(token)
            .json(&decision("approve"))
            .send()
            .await
            .unwrap();
        assert_error(response, 409, "claim_required").await;
    }
    // A reviewer cannot release another's claim; a supervisor can.
    let release = format!("/v1/review/cases/{c}/release");
    let other = add_reviewer(&app, "otto", "reviewer");
    assert_eq!(call("POST", release.clone(), Some(other)).await, 409);
    assert_eq!(call("POST", release, Some(supervisor.clone())).await, 200);

    // Reviewer tokens open nothing on the operator's or the player's side.
    let open = app
        .client
        .post(app.url("/v1/cases"))
        .bearer_auth(&reviewer)
        .json(&json!({"player_id": "p", "documents": ["identity"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 401);
    assert_eq!(
        call("GET", format!("/v1/cases/{c}"), Some(admin.clone())).await,
        401
    );
    let upload = app
        .client
        .post(app.url(&format!("/v1/cases/{c}/documents/address")))
        .bearer_auth(&admin)
        .header("content-type", "image/jpeg")
        .body(fixtures::jpeg(91))
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), 401);

    // A disabled reviewer's token stops working at once.
    let out = crate::review::kyc(&app, &["reviewer", "disable", "rita"]);
    assert!(out.status.success());
    assert_eq!(
        call("GET", "/v1/review/queue".to_owned(), Some(reviewer)).await,
        401
    );
    app.stop().await;
}
