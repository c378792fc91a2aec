from tests.conftest import Api


def test_ping_returns_version(api: Api) -> None:
    result = api.get("/site/ping")
    assert result["code"] == 0
    major = result["data"].split(".")[0]
    assert major == "4"


def test_sign_up_then_me(api: Api) -> None:
    email, token = api.new_user()
    me = api.get("/user/me", token)
    assert me["code"] == 0
    assert me["data"]["email"] == email
