Feature: Zerto Virtual Manager refuses requests without a live session
  Without a session id, or with one the server never issued, a request is refused.

  @ZVM-03
  Scenario: A request without a session id is refused
    When I get the local site without a session
    Then the answer is 401 Unauthorized

  @ZVM-03 @zvm-windows
  Scenario: A made-up session id is refused
    When I get the local site with a made-up session id
    Then the answer is 401 Unauthorized

  @ZVM-03 @undocumented @needs-em @zvm-windows
  Scenario: An Enterprise Manager session token is refused
    Given I logged on to Enterprise Manager and logged off again
    When I get the local site sending the Enterprise Manager token as my session id
    Then the answer is 401 Unauthorized
