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
    Given I logged on to Backup & Replication and logged off again
    When I list the logon sessions sending the Backup & Replication access token as my token
    Then the answer is 401 Unauthorized

  @EM-06 @undocumented @needs-zvm
  Scenario: A Zerto session id is refused
    Given I logged on to Zerto Virtual Manager and logged off again
    When I list the logon sessions sending the Zerto session id as my token
    Then the answer is 401 Unauthorized

  @EM-16
  Scenario: A refused token is answered with the Error element
    When I list the logon sessions with a made-up token
    Then the answer is 401 Unauthorized
    And the answer is an EM Error with StatusCode 401

  @EM-16 @EM-07
  Scenario: A refused token is answered with the Error properties in JSON
    When I list the logon sessions with a made-up token asking for JSON
    Then the answer is 401 Unauthorized
    And the answer is a JSON EM Error with StatusCode 401

  @EM-16
  Scenario: A missing resource is answered 404 with the Error element
    Given I am logged on to Enterprise Manager
    When I ask for the Enterprise Manager resource "/api/restpointNoSuchResource"
    Then the answer is 404 Not Found
    And the answer is an EM Error with StatusCode 404

  @EM-16
  Scenario: A malformed query is answered 400 with the Error element
    Given I am logged on to Enterprise Manager
    When I ask for the Enterprise Manager resource "/api/query?type=Job&pageSize=0"
    Then the answer is 400 Bad Request
    And the answer is an EM Error with StatusCode 400
