using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ReferralNetwork.Gateway.People.Migrations
{
    /// <inheritdoc />
    public partial class AuthenticatorCodesOnce : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LastAuthenticatorStep",
                schema: "identity",
                table: "AspNetUsers",
                type: "bigint",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LastAuthenticatorStep",
                schema: "identity",
                table: "AspNetUsers");
        }
    }
}
