@zvm-windows
Feature: Zerto Virtual Manager logoff
  `DELETE /v1/session` with the `x-zerto-session` header ends the session.

  @ZVM-04
  Scenario: Ending the session
    Given I am logged on to Zerto Virtual Manager
    When I end the Zerto session
    Then the answer is 200 OK
    And the answer body is empty
    And my session token is refused

  @ZVM-04 @undocumented
  Scenario: Ending the session twice
    Given I am logged on to Zerto Virtual Manager
    When I end the Zerto session
    And I end the Zerto session
    Then the answer is a client error
