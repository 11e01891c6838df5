/* placeholder until issue 3 */
