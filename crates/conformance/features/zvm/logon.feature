Feature: Zerto Virtual Manager logon
  A script starts a session with `POST /v1/session/add` and Basic credentials. The session id
  comes back in the `x-zerto-session` header, and every later request carries it.

  @ZVM-01 @ZVM-02 @zvm-windows
  Scenario: Starting a session with Basic credentials and an empty body
    The logon answers 200 OK exactly (clients check for it), with an empty body.
    When I start a Zerto session with Basic credentials
    Then the answer is 200 OK
    And the answer has the header "x-zerto-session"
    And the answer body is empty

  @ZVM-01 @ZVM-02 @zvm-windows
  Scenario: Starting a session with the authentication method in the body
    When I start a Zerto session with Basic credentials and the body '{"AuthenticationMethod": 0}'
    Then the answer is a success
    And the answer has the header "x-zerto-session"

  @ZVM-01 @zvm-windows
  Scenario Outline: The authentication method as a number or as a string
    Clients send the value either way; the same account logs on with both.
    When I start a Zerto session with Basic credentials and the body '<body>'
    Then the answer is a success
    And the answer has the header "x-zerto-session"

    Examples:
      | body                          |
      | {"AuthenticationMethod": 0}   |
      | {"AuthenticationMethod": "0"} |

  @ZVM-03 @zvm-windows
  Scenario: The session id authorises later requests
    Given I am logged on to Zerto Virtual Manager
    When I get the local site
    Then the answer is 200 OK
    And the answer is JSON

  @ZVM-07 @zvm-windows
  Scenario: An unknown user is refused
    When I start a Zerto session with an unknown user name
    Then the answer is 401 Unauthorized

  @ZVM-07 @zvm-windows @wrong-password
  Scenario: A wrong password for a real account is refused
    When I start a Zerto session with a wrong password for my account
    Then the answer is 401 Unauthorized

  @ZVM-07 @zvm-windows
  Scenario: A logon without credentials is refused
    When I start a Zerto session without credentials
    Then the answer is 401 Unauthorized

  @ZVM-08 @zvm-windows
  Scenario Outline: The logon path is matched without regard to case
    When I start a Zerto session with Basic credentials at "<path>"
    Then the answer is a success
    And the answer has the header "x-zerto-session"

    Examples:
      | path             |
      | /v1/session/add  |
      | /v1/session/Add  |
      | /v1/Session/ADD  |

  @ZVM-08
  Scenario: Resource paths are matched without regard to case
    On a ZVM Appliance the logon of this scenario is OpenID Connect (ZVM-09).
    Given I am logged on to Zerto Virtual Manager
    When I get "/v1/LocalSite"
    Then the answer is 200 OK
