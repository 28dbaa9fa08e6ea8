Feature: Enterprise Manager refuses tokens it did not issue
  A request with a token the server never issued, or issued by another product, is refused.

  @EM-06
  Scenario: A made-up token is refused
    When I list the logon sessions with a made-up token
    Then the answer is 401 Unauthorized

  @EM-06
  Scenario: A request without a token is refused
    When I list the logon sessions without a token
    Then the answer is 401 Unauthorized

  @EM-06 @undocumented @needs-vbr
  Scenario: A Backup & Replication access token is refused
    Given I am logged on to Backup & Replication
    When I list the logon sessions sending the Backup & Replication access token as my token
    Then the answer is 401 Unauthorized

  @EM-06 @undocumented @needs-zvm
  Scenario: A Zerto session id is refused
    Given I am logged on to Zerto Virtual Manager
    When I list the logon sessions sending the Zerto session id as my token
    Then the answer is 401 Unauthorized
