Feature: Enterprise Manager idle timeout
  An idle session expires after 15 minutes without requests; every request restarts the idle
  clock. A task belongs to the session that started it, so a script keeps its session alive
  rather than logging on again in the middle of a task.

  @EM-08 @slow
  Scenario: A session idle for 15 minutes expires
    Given I am logged on to Enterprise Manager
    When 16 minutes pass without requests
    Then my session token is refused

  @EM-08 @slow
  Scenario: A session idle for less than 15 minutes is still alive
    Given I am logged on to Enterprise Manager
    When 14 minutes pass without requests
    Then my session token still works

  @EM-08 @slow
  Scenario: Each request restarts the idle clock
    Given I am logged on to Enterprise Manager
    When 10 minutes pass without requests
    And I list the logon sessions
    And 10 minutes pass without requests
    Then my session token still works

  @EM-12 @emulator-only
  Scenario: Starting a job answers with a task that runs to its end
    Given I am logged on to Enterprise Manager
    When I start the first job
    Then the answer is an XML "Task" document
    And the task's State is "Running" or "Finished"
    When I follow the task until its State is "Finished"
    Then the task has a Result

  @EM-12 @emulator-only
  Scenario: A task cannot be seen from another session
    Given I am logged on to Enterprise Manager
    When I start the first job
    And I log on to Enterprise Manager with version "latest"
    And I look at the task from the new session
    Then the answer is a client error
