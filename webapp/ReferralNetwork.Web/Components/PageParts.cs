using Microsoft.AspNetCore.Components;

namespace ReferralNetwork.Web.Components;

public static class PageParts
{
    /// <summary>
    /// The address of a part of this page (<c>…/inbox/{id}#messages-title</c>). With the app's base address a bare
    /// <c>#part</c> would lead to the start page, so links to a part carry the page's own address.
    /// </summary>
    public static string PartOfThisPage(this NavigationManager navigation, string id) => $"{navigation.Uri.Split('#')[0]}#{id}";
}
