Feature: Zerto Virtual Manager content negotiation
  Bodies are JSON or XML, chosen by the `Accept` header. On a ZVM Appliance the logon is
  OpenID Connect (ZVM-09) and the same `/v1` resources answer.

  @ZVM-06
  Scenario: Asking for JSON
    Given I am logged on to Zerto Virtual Manager
    When I get the local site asking for "application/json"
    Then the answer is 200 OK
    And the answer is JSON

  @ZVM-06
  Scenario: Asking for XML
    Given I am logged on to Zerto Virtual Manager
    When I get the local site asking for "application/xml"
    Then the answer is 200 OK
    And the answer is XML
