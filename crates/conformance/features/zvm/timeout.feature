@zvm-windows
Feature: Zerto Virtual Manager idle timeout
  A session dormant for 30 minutes is terminated automatically.

  @ZVM-05 @slow
  Scenario: A session dormant for 30 minutes is terminated
    Given I am logged on to Zerto Virtual Manager
    When 31 minutes pass without requests
    Then my session token is refused

  @ZVM-05 @slow
  Scenario: A session dormant for less than 30 minutes is alive
    Given I am logged on to Zerto Virtual Manager
    When 29 minutes pass without requests
    Then my session token still works

  @ZVM-05 @slow
  Scenario: A request keeps the session alive
    Given I am logged on to Zerto Virtual Manager
    When 20 minutes pass without requests
    And I get the local site
    And 20 minutes pass without requests
    Then my session token still works
