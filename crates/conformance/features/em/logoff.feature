Feature: Enterprise Manager logoff and the list of logon sessions
  A script ends its session with `DELETE` on the session's `Rel="Delete"` link; afterwards the
  token is refused. `GET /api/logonSessions` lists the logon sessions.

  @EM-09
  Scenario: Logging off ends the session
    Given I am logged on to Enterprise Manager
    When I log off through the session's Delete link
    Then the answer is a success
    And my session token is refused

  @EM-09
  Scenario: Logging off answers 204 No Content
    Given I am logged on to Enterprise Manager
    When I log off through the session's Delete link
    Then the answer is 204 No Content
    And the answer body is empty

  @EM-09 @undocumented
  Scenario: Logging off twice
    Given I am logged on to Enterprise Manager
    When I log off through the session's Delete link
    And I log off again through the same link
    Then the answer is a client error

  @EM-10
  Scenario: The list of logon sessions holds my session
    Given I am logged on to Enterprise Manager
    When I list the logon sessions
    Then the answer is 200 OK
    And the answer is an XML "LogonSessions" document
    And the list holds my session

  @EM-10 @undocumented
  Scenario: The calling session comes first in the list
    Given I am logged on to Enterprise Manager
    And I am logged on to Enterprise Manager a second time
    When I list the logon sessions
    Then the list holds my session first

  @EM-10 @undocumented @emulator-only
  Scenario: Another user's sessions are not listed
    Given another user is logged on to Enterprise Manager
    And I am logged on to Enterprise Manager
    When I list the logon sessions
    Then the list holds my session
    And the list does not hold the other user's session
